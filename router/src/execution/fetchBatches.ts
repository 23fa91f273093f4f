import {
  Kind,
  OperationTypeNode,
  parse,
  print,
  visit,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLFormattedError,
  type OperationDefinitionNode,
  type SelectionNode,
  type VariableDefinitionNode,
} from 'graphql';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import { LRUCache } from 'lru-cache';
import type { RouterContext } from '../gateway';
import type { SubgraphClient } from '../subgraphClient';
import type { Data } from './deepMerge';

/** One entity fetch of a plan, as sent: its operation, and its variables with its representations. */
export interface EntityRequest {
  readonly query: string;
  readonly operationName: string | undefined;
  readonly variables: Data;
}

interface Waiting {
  readonly request: EntityRequest;
  readonly resolve: (response: GatewayGraphQLResponse) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * The entity fetches of one request to each subgraph, sent together: fetches the plan runs at the
 * same time (siblings of a Parallel node, and steps that become ready in the same turn of the
 * event loop) go to the subgraph as one operation, each fetch's `_entities` under an alias of its
 * own, so a request of 16 fetches is fewer HTTP exchanges. Each fetch gets back its own part of
 * the answer and the errors whose path is in it, as if it had been sent alone.
 */
export class EntityBatches {
  readonly #waiting = new Map<SubgraphClient, Waiting[]>();
  #scheduled = false;

  constructor(private readonly context: RouterContext) {}

  fetch(client: SubgraphClient, request: EntityRequest): Promise<GatewayGraphQLResponse> {
    return new Promise((resolve, reject) => {
      let waiting = this.#waiting.get(client);
      if (!waiting) this.#waiting.set(client, (waiting = []));
      waiting.push({ request, resolve, reject });
      if (!this.#scheduled) {
        this.#scheduled = true;
        // After this turn's microtasks: fetches that become ready together are sent together.
        setImmediate(() => this.#flush());
      }
    });
  }

  #flush(): void {
    this.#scheduled = false;
    const batches = [...this.#waiting];
    this.#waiting.clear();
    for (const [client, waiting] of batches) {
      if (waiting.length === 1) {
        const [{ request, resolve, reject }] = waiting;
        client.fetch(request, false, this.context).then(resolve, reject);
      } else {
        void this.#send(client, waiting);
      }
    }
  }

  async #send(client: SubgraphClient, waiting: readonly Waiting[]): Promise<void> {
    let response: GatewayGraphQLResponse;
    try {
      const { query, variables } = batchOperation(waiting.map(({ request }) => request));
      response = await client.fetch({ query, variables }, false, this.context);
    } catch (error) {
      for (const { reject } of waiting) reject(error);
      return;
    }
    if (response.data === null) {
      // One fetch's `_entities` failed as a whole (a reference resolver that throws instead of
      // rejecting, a type the subgraph lacks), and the field being non-null, that nulled the
      // whole operation: sent alone, the others would have had their entities, so each goes alone.
      for (const { request, resolve, reject } of waiting)
        client.fetch(request, false, this.context).then(resolve, reject);
      return;
    }
    const errorsOf: GraphQLFormattedError[][] = waiting.map(() => []);
    for (const error of response.errors ?? []) {
      const member = error.path ? memberOf(error.path[0]) : undefined;
      if (member !== undefined && member < waiting.length) {
        errorsOf[member].push({ ...error, path: ['_entities', ...error.path!.slice(1)] });
      } else {
        // Not about one fetch's entities (the request as a whole): each fetch would have had it.
        for (const errors of errorsOf) errors.push(error);
      }
    }
    const data = response.data as Data | undefined;
    waiting.forEach(({ resolve }, member) =>
      resolve({
        data: data && { _entities: data[aliasOf(member)] },
        ...(errorsOf[member].length ? { errors: errorsOf[member] } : {}),
      }),
    );
  }
}

const aliasOf = (member: number) => `_${member}_entities`;
const representationsOf = (member: number) => `representations_${member}`;

function memberOf(key: string | number | undefined): number | undefined {
  const match = typeof key === 'string' ? /^_(\d+)_entities$/.exec(key) : null;
  return match ? Number(match[1]) : undefined;
}

/** Each fetch operation's document, parsed once (as many as the plans kept, about). */
const documents = new LRUCache<string, DocumentNode>({ max: 10_000 });
/** The batched operation of each list of fetch operations, written once. */
const batchedQueries = new LRUCache<string, string>({ max: 10_000 });

/**
 * One operation for several `_entities` fetches to one subgraph: each fetch's selections under
 * its alias with its representations in a variable of its own, its fragments renamed apart; the
 * client's variables the fetches use are shared (one operation's, so of one type each).
 */
export function batchOperation(requests: readonly EntityRequest[]): { query: string; variables: Data } {
  const variables: Data = {};
  requests.forEach(({ variables: own }, member) => {
    for (const [name, value] of Object.entries(own)) {
      if (name === 'representations') variables[representationsOf(member)] = value;
      else variables[name] = value;
    }
  });
  const key = requests.map(({ query }) => query).join('\n');
  let query = batchedQueries.get(key);
  if (query === undefined) {
    query = print(batchedDocument(requests.map(({ query: text }) => documentOf(text))));
    batchedQueries.set(key, query);
  }
  return { query, variables };
}

function documentOf(query: string): DocumentNode {
  let document = documents.get(query);
  if (!document) documents.set(query, (document = parse(query)));
  return document;
}

function batchedDocument(members: readonly DocumentNode[]): DocumentNode {
  const variableDefinitions = new Map<string, VariableDefinitionNode>();
  const selections: SelectionNode[] = [];
  const fragments: FragmentDefinitionNode[] = [];
  members.forEach((document, member) => {
    const fragmentName = (name: string) => `${name}_${member}`;
    const renamed = visit(document, {
      Variable: (node) =>
        node.name.value === 'representations'
          ? { ...node, name: { ...node.name, value: representationsOf(member) } }
          : undefined,
      FragmentSpread: (node) => ({ ...node, name: { ...node.name, value: fragmentName(node.name.value) } }),
      FragmentDefinition: (node) => ({ ...node, name: { ...node.name, value: fragmentName(node.name.value) } }),
    });
    for (const definition of renamed.definitions) {
      if (definition.kind === Kind.FRAGMENT_DEFINITION) {
        fragments.push(definition);
      } else if (definition.kind === Kind.OPERATION_DEFINITION) {
        const operation: OperationDefinitionNode = definition;
        for (const variable of operation.variableDefinitions ?? []) {
          variableDefinitions.set(variable.variable.name.value, variable);
        }
        for (const selection of operation.selectionSet.selections) {
          if (selection.kind !== Kind.FIELD || selection.name.value !== '_entities') {
            throw new Error('A batched fetch selects _entities only');
          }
          selections.push({ ...selection, alias: { kind: Kind.NAME, value: aliasOf(member) } });
        }
      }
    }
  });
  return {
    kind: Kind.DOCUMENT,
    definitions: [
      {
        kind: Kind.OPERATION_DEFINITION,
        operation: OperationTypeNode.QUERY,
        variableDefinitions: [...variableDefinitions.values()],
        selectionSet: { kind: Kind.SELECTION_SET, selections },
      },
      ...fragments,
    ],
  };
}
