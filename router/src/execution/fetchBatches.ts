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
import type { PreparedFetch, Step } from './preparedPlan';

/** One entity fetch of a plan, as sent: its operation, and its variables with its representations. */
export interface EntityRequest {
  readonly query: string;
  readonly operationName: string | undefined;
  readonly variables: Data;
}

/** An entity fetch sent with others of its plan: its group, and its place in the group. */
export interface BatchMember {
  readonly group: number;
  readonly member: number;
}

/** A plan's groups of entity fetches that go to their subgraph as one operation. */
export interface BatchPlan {
  /** How many fetches each group has (two or more). */
  readonly sizes: readonly number[];
  /** The grouped fetches under each step that may not run (a Flatten's step, a Condition's branch). */
  readonly under: ReadonlyMap<Step, readonly BatchMember[]>;
}

/**
 * Which entity fetches of a plan go to their subgraph together, decided once per plan, so every
 * request of the plan sends the same operations (and identical ones in flight can be merged).
 * Level by level, as Hive's planner does: a fetch's stage is the longest chain of fetches the
 * plan runs before it, and the entity fetches to one subgraph at one stage are a group, sent as one
 * operation once each of them is ready or known not to run. A fetch alone at its stage is sent as
 * soon as it is ready. A @defer's deferred blocks are staged apart, each its own: in an incremental
 * answer they run beside the rest of the plan. Undefined when no two fetches go together.
 */
export function planBatches(
  root: Step,
): { readonly plan: BatchPlan; readonly members: ReadonlyMap<PreparedFetch, BatchMember> } | undefined {
  const stages = new Map<string, PreparedFetch[]>();
  const mayNotRun: Step[] = [];
  let blocks = 0;
  /** Stages the fetches of `step`, which starts at `stage`; answers the stage after it. */
  const walk = (step: Step, stage: number, block: number): number => {
    switch (step.kind) {
      case 'Sequence':
        return step.steps.reduce((at, child) => walk(child, at, block), stage);
      case 'Parallel':
        return Math.max(stage, ...step.steps.map((child) => walk(child, stage, block)));
      case 'Flatten':
        mayNotRun.push(step.step);
        return walk(step.step, stage, block);
      case 'Condition': {
        const branches = [step.then, step.otherwise].filter((branch) => branch !== undefined);
        mayNotRun.push(...branches);
        return Math.max(stage, ...branches.map((branch) => walk(branch, stage, block)));
      }
      case 'Defer':
        for (const deferred of step.deferred) if (deferred.step) walk(deferred.step, 0, (blocks += 1));
        return step.primary ? walk(step.primary, stage, block) : stage;
      case 'Fetch': {
        const { fetch } = step;
        if (fetch.representation && !fetch.mutation) {
          const key = `${block} ${stage} ${fetch.serviceName}`;
          const together = stages.get(key);
          if (together) together.push(fetch);
          else stages.set(key, [fetch]);
        }
        return stage + 1;
      }
    }
  };
  walk(root, 0, 0);
  const members = new Map<PreparedFetch, BatchMember>();
  const sizes: number[] = [];
  for (const together of stages.values()) {
    if (together.length < 2) continue;
    const group = sizes.push(together.length) - 1;
    together.forEach((fetch, member) => members.set(fetch, { group, member }));
  }
  if (!sizes.length) return undefined;
  const under = new Map<Step, BatchMember[]>();
  for (const step of mayNotRun) {
    const grouped = fetchesUnder(step).flatMap((fetch) => members.get(fetch) ?? []);
    if (grouped.length) under.set(step, grouped);
  }
  return { plan: { sizes, under }, members };
}

function fetchesUnder(step: Step): PreparedFetch[] {
  switch (step.kind) {
    case 'Sequence':
    case 'Parallel':
      return step.steps.flatMap(fetchesUnder);
    case 'Flatten':
      return fetchesUnder(step.step);
    case 'Condition':
      return [step.then, step.otherwise].flatMap((branch) => (branch ? fetchesUnder(branch) : []));
    case 'Defer':
      return [step.primary, ...step.deferred.map((deferred) => deferred.step)].flatMap((part) =>
        part ? fetchesUnder(part) : [],
      );
    case 'Fetch':
      return [step.fetch];
  }
}

interface Waiting {
  readonly client: SubgraphClient;
  readonly request: EntityRequest;
  readonly resolve: (response: GatewayGraphQLResponse) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * One request's groups of entity fetches (see planBatches) as they become ready: a group goes to
 * its subgraph once each of its fetches is ready or has left it (its step did not run, it had no
 * entity to ask for, it failed before sending), as one operation with each fetch's `_entities`
 * under an alias of its own, in the plan's order. Each fetch gets back its own part of the answer
 * and the errors whose path is in it, as if it had been sent alone.
 */
export class EntityBatches {
  /** Each group's fetches by place: ready, or null once left. */
  readonly #ready: (Waiting | null | undefined)[][];
  /** How many of each group's fetches are neither ready nor left. */
  readonly #pending: number[];

  constructor(
    private readonly plan: BatchPlan,
    private readonly context: RouterContext,
  ) {
    this.#ready = plan.sizes.map(() => []);
    this.#pending = [...plan.sizes];
  }

  fetch(
    client: SubgraphClient,
    { group, member }: BatchMember,
    request: EntityRequest,
  ): Promise<GatewayGraphQLResponse> {
    // Once per request each; were it twice, the group would be sent already: this one goes alone.
    if (this.#ready[group][member] !== undefined) return client.fetch(request, false, this.context);
    return new Promise((resolve, reject) => {
      this.#ready[group][member] = { client, request, resolve, reject };
      this.#settle(group);
    });
  }

  /** A fetch that sends nothing: its group goes without it (no-op once it was ready). */
  leave({ group, member }: BatchMember): void {
    if (this.#ready[group][member] !== undefined) return;
    this.#ready[group][member] = null;
    this.#settle(group);
  }

  /** The fetches under a step that does not run leave their groups. */
  leaveUnder(step: Step): void {
    for (const member of this.plan.under.get(step) ?? []) this.leave(member);
  }

  #settle(group: number): void {
    this.#pending[group] -= 1;
    if (this.#pending[group] > 0) return;
    const waiting = this.#ready[group].filter((ready) => ready != null);
    if (waiting.length === 1) {
      const [{ client, request, resolve, reject }] = waiting;
      client.fetch(request, false, this.context).then(resolve, reject);
    } else if (waiting.length > 1) {
      void this.#send(waiting[0].client, waiting);
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
