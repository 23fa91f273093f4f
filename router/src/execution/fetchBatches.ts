import {
  Kind,
  OperationTypeNode,
  parse,
  print,
  stripIgnoredCharacters,
  visit,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLFormattedError,
  type OperationDefinitionNode,
  type SelectionNode,
  type VariableDefinitionNode,
} from 'graphql';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import type { RouterContext } from '../gateway';
import type { SubgraphClient } from '../subgraphClient';
import { copyOf, type Data } from './deepMerge';
import type { PreparedFetch, Step } from './preparedPlan';
import { RepresentationIndex } from './representationIndex';

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
  /**
   * For each group, each fetch's operation as the place of the group's first fetch with that
   * operation (the same text but for its name asks the same of each entity, with the same variables).
   */
  readonly operations: readonly (readonly number[])[];
  /** The grouped fetches under each step that may not run (a Flatten's step, a Condition's branch). */
  readonly under: ReadonlyMap<Step, readonly BatchMember[]>;
}

/**
 * Which entity fetches of a plan go to their subgraph together, decided once per plan, so every
 * request of the plan sends the same operations (and identical ones in flight can be merged).
 * Level by level, as Hive's planner does: a fetch's stage is the longest chain of fetches the
 * plan runs before it, and the entity fetches to one subgraph at one stage are a group, sent as one
 * operation once each of them is ready or known not to run. A fetch that would be alone at its
 * stage waits for a later stage where its subgraph has other fetches, when the fetches that follow
 * it still end within the plan's longest chain (the top products' inventory fetch of the Guild
 * shape joins the other inventory fetches: one request less, no stage more). A fetch alone at its
 * stage is sent as soon as it is ready. A @defer's deferred blocks are staged apart, each its own:
 * in an incremental answer they run beside the rest of the plan. Undefined when no two fetches go
 * together.
 */
export function planBatches(
  root: Step,
): { readonly plan: BatchPlan; readonly members: ReadonlyMap<PreparedFetch, BatchMember> } | undefined {
  /** How many fetches must follow each fetch, one after the other, in its block. */
  const after = new Map<PreparedFetch, number>();
  /** Each block's longest chain of fetches. */
  const lengths: number[] = [];
  /** Each entity fetch's stage where nothing is moved. */
  const earliest = new Map<PreparedFetch, number>();
  const keyOf = (block: number, stage: number, fetch: PreparedFetch) => `${block} ${stage} ${fetch.serviceName}`;
  const batched = (fetch: PreparedFetch) => fetch.representation !== undefined && !fetch.mutation;

  /** How many fetches must run one after the other from `step` on, given `then` must follow it. */
  const chain = (step: Step, then: number): number => {
    switch (step.kind) {
      case 'Sequence':
        return step.steps.reduceRight((rest, child) => chain(child, rest), then);
      case 'Parallel':
        return Math.max(then, ...step.steps.map((child) => chain(child, then)));
      case 'Flatten':
        return chain(step.step, then);
      case 'Condition': {
        const branches = [step.then, step.otherwise].filter((branch) => branch !== undefined);
        return Math.max(then, ...branches.map((branch) => chain(branch, then)));
      }
      case 'Defer':
        // Each deferred block is staged apart: nothing of the rest follows it.
        for (const deferred of step.deferred) if (deferred.step) chain(deferred.step, 0);
        return step.primary ? chain(step.primary, then) : then;
      case 'Fetch':
        after.set(step.fetch, then);
        return then + 1;
    }
  };
  chain(root, 0);

  /**
   * Stages the fetches of `step`, which starts at `stage`, each where `place` puts it (not earlier
   * than it can run); answers the stage after it.
   */
  const walk = (
    step: Step,
    stage: number,
    block: { current: number; readonly next: () => number },
    place: (fetch: PreparedFetch, stage: number, block: number) => number,
  ): number => {
    switch (step.kind) {
      case 'Sequence':
        return step.steps.reduce((at, child) => walk(child, at, block, place), stage);
      case 'Parallel':
        return Math.max(stage, ...step.steps.map((child) => walk(child, stage, block, place)));
      case 'Flatten':
        return walk(step.step, stage, block, place);
      case 'Condition': {
        const branches = [step.then, step.otherwise].filter((branch) => branch !== undefined);
        return Math.max(stage, ...branches.map((branch) => walk(branch, stage, block, place)));
      }
      case 'Defer':
        for (const deferred of step.deferred) {
          if (deferred.step) walk(deferred.step, 0, { current: block.next(), next: block.next }, place);
        }
        return step.primary ? walk(step.primary, stage, block, place) : stage;
      case 'Fetch':
        return place(step.fetch, stage, block.current) + 1;
    }
  };
  const blocks = () => {
    let count = 0;
    return { current: 0, next: () => (count += 1) };
  };

  // First each fetch as early as it can run: the plan's stages, and each block's length.
  const company = new Map<string, number>();
  walk(root, 0, blocks(), (fetch, stage, block) => {
    lengths[block] = Math.max(lengths[block] ?? 0, stage + 1 + after.get(fetch)!);
    if (batched(fetch)) {
      earliest.set(fetch, stage);
      const key = keyOf(block, stage, fetch);
      company.set(key, (company.get(key) ?? 0) + 1);
    }
    return stage;
  });
  // Then each at the first stage, from the one it can run at on, where other fetches to its
  // subgraph are, and its followers still end within its block's longest chain (its followers are
  // staged after it: none runs before its group is sent). Else where it can run.
  const stages = new Map<string, PreparedFetch[]>();
  walk(root, 0, blocks(), (fetch, stage, block) => {
    if (!batched(fetch)) return stage;
    const own = earliest.get(fetch)!;
    const latest = lengths[block] - 1 - after.get(fetch)!;
    let placed = stage;
    for (let at = stage; at <= latest; at += 1) {
      const others = (company.get(keyOf(block, at, fetch)) ?? 0) - (at === own ? 1 : 0);
      if (others > 0) {
        placed = at;
        break;
      }
    }
    const key = keyOf(block, placed, fetch);
    const together = stages.get(key);
    if (together) together.push(fetch);
    else stages.set(key, [fetch]);
    return placed;
  });

  const members = new Map<PreparedFetch, BatchMember>();
  const sizes: number[] = [];
  const operations: number[][] = [];
  for (const together of stages.values()) {
    if (together.length < 2) continue;
    const group = sizes.push(together.length) - 1;
    together.forEach((fetch, member) => members.set(fetch, { group, member }));
    const asked = together.map(({ operation }) => unnamed(operation));
    operations.push(asked.map((operation) => asked.indexOf(operation)));
  }
  if (!sizes.length) return undefined;
  const under = new Map<Step, BatchMember[]>();
  for (const step of mayNotRun(root)) {
    const grouped = fetchesUnder(step).flatMap((fetch) => members.get(fetch) ?? []);
    if (grouped.length) under.set(step, grouped);
  }
  return { plan: { sizes, operations, under }, members };
}

/** A fetch's operation without its name: the planner names each fetch's apart (`Query__products__3`). */
function unnamed(operation: string): string {
  return operation.replace(/^\s*query\s+[_A-Za-z][_0-9A-Za-z]*/, 'query');
}

/** The steps of a plan that may not run: each Flatten's step (no objects there), each Condition's branches. */
function mayNotRun(step: Step): Step[] {
  switch (step.kind) {
    case 'Sequence':
    case 'Parallel':
      return step.steps.flatMap(mayNotRun);
    case 'Flatten':
      return [step.step, ...mayNotRun(step.step)];
    case 'Condition': {
      const branches = [step.then, step.otherwise].filter((branch) => branch !== undefined);
      return branches.flatMap((branch) => [branch, ...mayNotRun(branch)]);
    }
    case 'Defer':
      return [step.primary, ...step.deferred.map((deferred) => deferred.step)].flatMap((part) =>
        part ? mayNotRun(part) : [],
      );
    case 'Fetch':
      return [];
  }
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
  readonly member: number;
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
      this.#ready[group][member] = { member, client, request, resolve, reject };
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
      void this.#send(group, waiting[0].client, partsOf(waiting, this.plan.operations[group]));
    }
  }

  /** Sends the parts of a group as one request, and answers each fetch as if it had been sent alone. */
  async #send(group: number, client: SubgraphClient, parts: readonly Part[]): Promise<void> {
    const waiting = parts.flatMap((part) => part.members);
    let answers: GatewayGraphQLResponse[];
    try {
      if (parts.length === 1) {
        // One operation: sent as it is, with the representations of all its fetches.
        answers = [await client.fetch(parts[0].request, false, this.context)];
      } else {
        const requests = parts.map(({ request }) => request);
        // The batched text is the same for every request of the plan whose group has the same
        // fetches heading its parts (each part is sent with its first fetch's operation).
        const queries = queriesOf(this.plan);
        const key = `${group} ${parts.map(({ members }) => members[0].member).join(' ')}`;
        let query = queries.get(key);
        if (query === undefined) queries.set(key, (query = batchedQuery(requests)));
        const variables = batchedVariables(requests);
        answers = answersOf(await client.fetch({ query, variables }, false, this.context), parts.length);
      }
    } catch (error) {
      for (const { reject } of waiting) reject(error);
      return;
    }
    if (answers.some((answer) => answer.data === null)) {
      // One fetch's `_entities` failed as a whole (a reference resolver that throws instead of
      // rejecting, a type the subgraph lacks), and the field being non-null, that nulled the
      // whole operation: sent alone, the others would have had their entities, so each goes alone.
      for (const { request, resolve, reject } of waiting)
        client.fetch(request, false, this.context).then(resolve, reject);
      return;
    }
    parts.forEach((part, index) => part.answer(answers[index]));
  }
}

/**
 * The fetches of a group that ask the same of their entities, as one `_entities` field: each
 * distinct representation of theirs once, each fetch answered with its own entities (a copy for
 * every fetch after the first that has one: no two places in the response share an object).
 */
interface Part {
  readonly request: EntityRequest;
  readonly members: readonly Waiting[];
  answer(answer: GatewayGraphQLResponse): void;
}

function partsOf(waiting: readonly Waiting[], operations: readonly number[]): Part[] {
  const byOperation = new Map<number, Waiting[]>();
  for (const each of waiting) {
    const operation = operations[each.member];
    const same = byOperation.get(operation);
    if (same) same.push(each);
    else byOperation.set(operation, [each]);
  }
  return [...byOperation.values()].map((members) => (members.length === 1 ? alone(members[0]) : shared(members)));
}

function alone(waiting: Waiting): Part {
  return { request: waiting.request, members: [waiting], answer: waiting.resolve };
}

function shared(members: readonly Waiting[]): Part {
  const representations: Data[] = [];
  const distinct = new RepresentationIndex();
  /** Each fetch's representations as places in the shared list. */
  const places = members.map(({ request }) =>
    (request.variables.representations as Data[]).map((representation) => {
      const place = distinct.placeOf(representation, representations.length);
      if (place === representations.length) representations.push(representation);
      return place;
    }),
  );
  const [{ request }] = members;
  return {
    request: { ...request, variables: { ...request.variables, representations } },
    members,
    answer: ({ data, errors }) => {
      const entities = (data as Data | undefined)?._entities;
      const given = new Set<number>();
      members.forEach(({ resolve }, member) => {
        const own = places[member];
        let answered: unknown = entities;
        // One entity too few or many and no place can be trusted: an empty list, which the fetch
        // (that asked for at least one) reports as the wrong length.
        if (Array.isArray(entities) && entities.length !== representations.length) answered = [];
        else if (Array.isArray(entities)) {
          answered = own.map((place) => {
            if (!given.has(place)) {
              given.add(place);
              return entities[place] as unknown;
            }
            return copyOf(entities[place] as unknown);
          });
        }
        const ownErrors: GraphQLFormattedError[] = [];
        for (const error of errors ?? []) {
          const place = error.path?.[1];
          if (error.path?.[0] !== '_entities' || typeof place !== 'number') {
            ownErrors.push(error);
            continue;
          }
          // An entity's error, at each of this fetch's places of that entity.
          own.forEach((at, index) => {
            if (at === place) ownErrors.push({ ...error, path: ['_entities', index, ...error.path!.slice(2)] });
          });
        }
        resolve({
          ...(data === undefined ? {} : { data: data && { _entities: answered } }),
          ...(ownErrors.length ? { errors: ownErrors } : {}),
        });
      });
    },
  };
}

/** A batched request's answer cut into each part's, as if each had been sent alone. */
function answersOf(response: GatewayGraphQLResponse, parts: number): GatewayGraphQLResponse[] {
  const errorsOf: GraphQLFormattedError[][] = Array.from({ length: parts }, () => []);
  for (const error of response.errors ?? []) {
    const part = error.path ? partOf(error.path[0]) : undefined;
    if (part !== undefined && part < parts) {
      errorsOf[part].push({ ...error, path: ['_entities', ...error.path!.slice(1)] });
    } else {
      // Not about one part's entities (the request as a whole): each would have had it.
      for (const errors of errorsOf) errors.push(error);
    }
  }
  const data = response.data as Data | null | undefined;
  return errorsOf.map((errors, part) => ({
    data: data && { _entities: data[aliasOf(part)] },
    ...(errors.length ? { errors } : {}),
  }));
}

const aliasOf = (part: number) => `_${part}_entities`;
const representationsOf = (part: number) => `representations_${part}`;

function partOf(key: string | number | undefined): number | undefined {
  const match = typeof key === 'string' ? /^_(\d+)_entities$/.exec(key) : null;
  return match ? Number(match[1]) : undefined;
}

/** Each plan's batched operations, by group and the fetches heading its parts. */
const batchedQueries = new WeakMap<BatchPlan, Map<string, string>>();

function queriesOf(plan: BatchPlan): Map<string, string> {
  let queries = batchedQueries.get(plan);
  if (!queries) batchedQueries.set(plan, (queries = new Map<string, string>()));
  return queries;
}

/**
 * One operation for several `_entities` fetches to one subgraph: each fetch's selections under
 * its alias with its representations in a variable of its own, its fragments renamed apart; the
 * client's variables the fetches use are shared (one operation's, so of one type each).
 */
export function batchedQuery(requests: readonly EntityRequest[]): string {
  return stripIgnoredCharacters(print(batchedDocument(requests.map(({ query }) => parse(query)))));
}

/** The variables of a batched operation (see batchedQuery). */
export function batchedVariables(requests: readonly EntityRequest[]): Data {
  const variables: Data = {};
  requests.forEach(({ variables: own }, member) => {
    for (const [name, value] of Object.entries(own)) {
      if (name === 'representations') variables[representationsOf(member)] = value;
      else variables[name] = value;
    }
  });
  return variables;
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
