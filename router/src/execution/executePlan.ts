import { applyRewrites } from '@apollo/gateway/dist/dataRewrites';
import type { ResponsePath } from '@apollo/query-planner';
import { SpanStatusCode, trace } from '@opentelemetry/api';
import {
  GraphQLError,
  Kind,
  OperationTypeNode,
  executeSync,
  type FieldNode,
  type GraphQLFormattedError,
  type GraphQLSchema,
  type SelectionNode,
} from 'graphql';
import type { RouterContext } from '../gateway';
import type { SubgraphClient } from '../subgraphClient';
import { copyOf, deepMerge, type Data } from './deepMerge';
import { EntityBatches } from './fetchBatches';
import { RepresentationIndex } from './representationIndex';
import type { DeferredStep, PreparedFetch, PreparedPlan, Step } from './preparedPlan';
import { shapeResponse, type DeferredFragment, type FieldShape, type OperationShapes } from './responseShape';

/** The span names @apollo/gateway used, so traces read as before. */
export const tracer = trace.getTracer('roombook-router');

export interface PlanRequest {
  /** As the client sent them: passed on to the subgraphs. */
  readonly variables: Readonly<Record<string, unknown>>;
  /** Coerced to the operation's types, with defaults: what @skip, @include and plan conditions read. */
  readonly coerced: Readonly<Record<string, unknown>>;
  readonly context: RouterContext;
  /** The shapes of the operation as the client sent it (the plan may be of a narrowed one). */
  readonly shapes: OperationShapes;
  /** Fields authorization removed: answered null. */
  readonly removed?: ReadonlySet<FieldNode>;
}

export interface PlanResult {
  data: Data | null;
  errors: GraphQLError[];
  /** Nulls in the subgraphs' data that no fetch error explains (reported as @apollo/gateway did). */
  valueCompletion: GraphQLError[];
}

interface Cursor {
  /** From the response's root, "@" for each list. */
  readonly path: ResponsePath;
  /** The objects at that path: never null, never a list. */
  readonly objects: readonly Data[];
}

interface Run {
  readonly request: PlanRequest;
  readonly clients: ReadonlyMap<string, SubgraphClient>;
  readonly supergraphSchema: GraphQLSchema;
  readonly data: Data;
  readonly errors: GraphQLError[];
  /** The request's groups of entity fetches, each sent together; undefined when the plan has none. */
  readonly batches: EntityBatches | undefined;
  /** Set when the client takes the answer in parts: the deferred blocks under way. */
  readonly deferrals?: Deferrals;
}

/** One subsequent payload of an incremental answer (deferSpec=20220824). */
export interface SubsequentResult {
  readonly incremental: readonly {
    readonly data: Data | null;
    readonly path: readonly (string | number)[];
    readonly errors?: readonly GraphQLError[];
  }[];
  readonly hasNext: boolean;
}

export interface IncrementalResult {
  readonly initial: PlanResult;
  /** Absent when the plan deferred nothing (the initial result is the whole answer). */
  readonly subsequent: AsyncIterable<SubsequentResult> | undefined;
}

/**
 * Runs a prepared plan for one request: fetches, each answer merged into one response tree in
 * place, then one walk that shapes it as the operation asks (see SelectionShape).
 */
export async function executePlan(
  prepared: PreparedPlan,
  request: PlanRequest,
  clients: ReadonlyMap<string, SubgraphClient>,
  schemas: { readonly api: GraphQLSchema; readonly supergraph: GraphQLSchema },
): Promise<PlanResult> {
  const data: Data = {};
  const run = runOf(prepared, request, clients, schemas, data);
  return tracer.startActiveSpan('gateway.execute', async (span) => {
    try {
      if (prepared.step) await runStep(run, prepared.step, { path: [], objects: [data] });
      const valueCompletion: GraphQLError[] = [];
      const shaped = shapeResponse(
        request.shapes.shapeFor(request.coerced, request.removed),
        data,
        (field) => introspect(schemas.api, request.shapes, field, request.coerced),
        valueCompletion,
      );
      if (run.errors.length) span.setStatus({ code: SpanStatusCode.ERROR });
      return { data: shaped, errors: run.errors, valueCompletion: run.errors.length ? [] : valueCompletion };
    } finally {
      span.end();
    }
  });
}

/** One request's run of a plan: the response tree it fills, its errors, its batches of entity fetches. */
function runOf(
  prepared: PreparedPlan,
  request: PlanRequest,
  clients: ReadonlyMap<string, SubgraphClient>,
  schemas: { readonly supergraph: GraphQLSchema },
  data: Data,
  deferrals?: Deferrals,
): Run {
  return {
    request,
    clients,
    supergraphSchema: schemas.supergraph,
    data,
    errors: [],
    batches: prepared.batches && new EntityBatches(prepared.batches, request.context),
    ...(deferrals ? { deferrals } : {}),
  };
}

/**
 * Runs a plan whose answer the client takes in parts: the initial result once the plan's primary
 * fetches are done, then one payload per batch of deferred blocks as they complete. Each payload
 * carries the response so far at the root (path []), shaped with the @defer fragments whose blocks
 * are done: a client merges it into what it has; the blocks' own errors come with it.
 */
export async function executeIncremental(
  prepared: PreparedPlan,
  request: PlanRequest,
  clients: ReadonlyMap<string, SubgraphClient>,
  schemas: { readonly api: GraphQLSchema; readonly supergraph: GraphQLSchema },
): Promise<IncrementalResult> {
  if (!prepared.hasDefer)
    return { initial: await executePlan(prepared, request, clients, schemas), subsequent: undefined };
  const data: Data = {};
  const introspection = (field: FieldShape) => introspect(schemas.api, request.shapes, field, request.coerced);
  const shaped = (left: ReadonlySet<SelectionNode>, problems: GraphQLError[]) =>
    shapeResponse(request.shapes.shapeFor(request.coerced, request.removed, left), data, introspection, problems);
  const deferrals = new Deferrals(request.shapes.deferredFragments(request.coerced), (left, errors) => ({
    data: shaped(left, []),
    path: [],
    ...(errors.length ? { errors } : {}),
  }));
  const run = runOf(prepared, request, clients, schemas, data, deferrals);
  if (prepared.step) await runStep(run, prepared.step, { path: [], objects: [data] });
  const valueCompletion: GraphQLError[] = [];
  const initial = shaped(deferrals.left(), valueCompletion);
  return {
    initial: { data: initial, errors: run.errors, valueCompletion: run.errors.length ? [] : valueCompletion },
    subsequent: deferrals.parts(),
  };
}

type Incremental = SubsequentResult['incremental'][number];

/** The deferred blocks of one request under way, and the payloads of those done. */
class Deferrals {
  #pending = 0;
  readonly #ready: Incremental[] = [];
  #wake: (() => void) | undefined;
  /** Fragments whose blocks are not done yet (left out of what is shaped). */
  readonly #left: Set<SelectionNode>;

  constructor(
    private readonly fragments: readonly DeferredFragment[],
    private readonly payload: (left: ReadonlySet<SelectionNode>, errors: GraphQLError[]) => Incremental,
  ) {
    this.#left = new Set(fragments.map((fragment) => fragment.node));
  }

  left(): ReadonlySet<SelectionNode> {
    return new Set(this.#left);
  }

  /** Runs one deferred block; when it is done, its fragment joins the answer in a payload. */
  start(block: DeferredStep, run: (errors: GraphQLError[]) => Promise<void>): void {
    this.#pending += 1;
    const errors: GraphQLError[] = [];
    void run(errors)
      .catch((error: unknown) => errors.push(asGraphQLError(error)))
      .then(() => {
        this.#pending -= 1;
        const fragment = this.#fragmentOf(block);
        if (fragment) this.#left.delete(fragment.node);
        // Blocks that matched no fragment are answered with the last payload, which leaves nothing out.
        if (this.#pending === 0) this.#left.clear();
        this.#ready.push(this.payload(this.#left, errors));
        this.#wake?.();
      });
  }

  /** The operation's @defer fragment a block of the plan delivers: by its label, else by its place. */
  #fragmentOf(block: DeferredStep): DeferredFragment | undefined {
    const fieldPath = block.path.filter((key) => !String(key).startsWith('... on '));
    return this.fragments.find(
      (fragment) =>
        this.#left.has(fragment.node) &&
        (block.label !== undefined
          ? fragment.label === block.label
          : fragment.label === undefined &&
            fragment.fieldPath.length === fieldPath.length &&
            fragment.fieldPath.every((key, index) => key === fieldPath[index])),
    );
  }

  async *parts(): AsyncGenerator<SubsequentResult> {
    while (this.#pending > 0 || this.#ready.length) {
      if (!this.#ready.length) await new Promise<void>((resolve) => (this.#wake = resolve));
      this.#wake = undefined;
      const incremental = this.#ready.splice(0);
      if (incremental.length) yield { incremental, hasNext: this.#pending > 0 };
    }
  }
}

async function runStep(run: Run, step: Step, cursor: Cursor): Promise<void> {
  switch (step.kind) {
    case 'Sequence':
      for (const child of step.steps) await runStep(run, child, cursor);
      return;
    case 'Parallel':
      await Promise.all(step.steps.map((child) => runStep(run, child, cursor)));
      return;
    case 'Flatten': {
      const objects = objectsAt(cursor.objects, step.path);
      if (objects.length) await runStep(run, step.step, { path: [...cursor.path, ...step.path], objects });
      else run.batches?.leaveUnder(step.step);
      return;
    }
    case 'Fetch':
      try {
        await fetch(run, step.fetch, cursor);
      } catch (error) {
        run.errors.push(asGraphQLError(error));
      } finally {
        // One that sent nothing (no entity to ask for, or it failed first): its group goes without it.
        if (step.fetch.batch) run.batches?.leave(step.fetch.batch);
      }
      return;
    case 'Condition': {
      const [branch, other] =
        run.request.coerced[step.variable] === true ? [step.then, step.otherwise] : [step.otherwise, step.then];
      if (other) run.batches?.leaveUnder(other);
      if (branch) await runStep(run, branch, cursor);
      return;
    }
    case 'Defer':
      if (run.deferrals) {
        // In parts: the primary now; each deferred block under way, delivered when done.
        if (step.primary) await runStep(run, step.primary, cursor);
        for (const deferred of step.deferred) {
          run.deferrals.start(deferred, async (errors) => {
            if (deferred.step) await runStep({ ...run, errors }, deferred.step, cursor);
          });
        }
        return;
      }
      // Answered in one response (the client did not ask for parts): everything, in plan order
      // (a deferred part may use what an earlier one fetched).
      if (step.primary) await runStep(run, step.primary, cursor);
      for (const deferred of step.deferred) if (deferred.step) await runStep(run, deferred.step, cursor);
      return;
  }
}

/** The objects at `path` under each of `objects`, lists flattened, nulls left out. */
export function objectsAt(objects: readonly Data[], path: ResponsePath): Data[] {
  let current: unknown[] = objects as unknown[];
  for (const key of path) {
    const next: unknown[] = [];
    if (key === '@') {
      for (const value of current)
        if (Array.isArray(value)) for (const item of value) if (item != null) next.push(item);
    } else {
      for (const value of current) {
        const item = value !== null && typeof value === 'object' ? (value as Data)[key as string] : undefined;
        if (item != null) next.push(item);
      }
    }
    current = next;
  }
  return current.filter((value): value is Data => typeof value === 'object' && !Array.isArray(value));
}

async function fetch(run: Run, fetch: PreparedFetch, cursor: Cursor): Promise<void> {
  const client = run.clients.get(fetch.serviceName);
  if (!client) throw new Error(`No subgraph named ${fetch.serviceName}`);
  const variables: Data = {};
  for (const name of fetch.variableUsages) {
    const value = run.request.variables[name];
    if (value !== undefined) variables[name] = value;
  }
  await tracer.startActiveSpan('gateway.fetch', { attributes: { service: fetch.serviceName } }, async (span) => {
    try {
      if (!fetch.representation) {
        const answer = await send(run, client, fetch, variables, cursor, undefined);
        if (!answer) return;
        applyRewrites(run.supergraphSchema, fetch.outputRewrites, answer);
        // One answer for each object here (a root fetch: the one root object).
        for (const object of cursor.objects) deepMerge(object, answer);
        return;
      }
      // Objects with the same representation (one product under many reviews) are asked for once
      // and each given the answer: the subgraph's work, the bytes and the parsing scale with distinct entities.
      const representations: Data[] = [];
      const objectsOf: number[][] = [];
      const distinct = new RepresentationIndex();
      for (let index = 0; index < cursor.objects.length; index += 1) {
        const representation = fetch.representation(cursor.objects[index]);
        if (!representation || !representation.__typename) continue;
        applyRewrites(run.supergraphSchema, fetch.inputRewrites, representation);
        const place = distinct.placeOf(representation, representations.length);
        if (place < representations.length) {
          objectsOf[place].push(index);
          continue;
        }
        representations.push(representation);
        objectsOf.push([index]);
      }
      if (!representations.length) return;
      if ('representations' in variables) throw new Error('Variables cannot contain key "representations"');
      const answer = await send(run, client, fetch, { ...variables, representations }, cursor, objectsOf);
      if (!answer) return;
      const entities = answer._entities;
      if (!Array.isArray(entities)) throw new Error('Expected "data._entities" in response to be an array');
      if (entities.length !== representations.length) {
        throw new Error(`Expected "data._entities" to contain ${representations.length} elements`);
      }
      for (let index = 0; index < entities.length; index += 1) {
        const entity = entities[index] as Data | null;
        if (!entity) continue;
        const targets = objectsOf[index];
        if (!entity.__typename) entity.__typename = cursor.objects[targets[0]].__typename;
        applyRewrites(run.supergraphSchema, fetch.outputRewrites, entity);
        deepMerge(cursor.objects[targets[0]], entity);
        // A copy for each other object: no two places in the response share an object.
        for (let other = 1; other < targets.length; other += 1)
          deepMerge(cursor.objects[targets[other]], copyOf(entity));
      }
    } catch (error) {
      span.setStatus({ code: SpanStatusCode.ERROR });
      throw error;
    } finally {
      span.end();
    }
  });
}

async function send(
  run: Run,
  client: SubgraphClient,
  fetch: PreparedFetch,
  variables: Data,
  cursor: Cursor,
  objectsOf: readonly (readonly number[])[] | undefined,
): Promise<Data | null | undefined> {
  const request = { query: fetch.operation, variables, operationName: fetch.operationName };
  const response =
    fetch.batch && run.batches
      ? await run.batches.fetch(client, fetch.batch, request)
      : await client.fetch(request, fetch.mutation, run.request.context);
  if (response.errors?.length) {
    let entityPaths: ResponsePath[] | undefined;
    for (const error of response.errors) {
      const { path } = error;
      if (path && objectsOf && typeof path[1] === 'number') {
        // An entity's error, at each place in the response that entity was asked for.
        entityPaths ??= hydratedPaths(run.data, cursor.path);
        for (const object of objectsOf[path[1]] ?? [undefined]) {
          const at = object === undefined ? [] : (entityPaths[object] ?? []);
          run.errors.push(downstreamError(error, fetch.serviceName, [...at, ...path.slice(2)]));
        }
      } else {
        const at = path ? [...concretePath(cursor.path), ...path] : undefined;
        run.errors.push(downstreamError(error, fetch.serviceName, at));
      }
    }
  }
  return response.data as Data | null | undefined;
}

/** The root path of a root-level cursor (no lists in it: a root fetch's answer sits at the root). */
function concretePath(path: ResponsePath): (string | number)[] {
  return path.filter((key) => key !== '@');
}

/** The concrete path of each object a cursor's path reaches, in the order objectsAt lists them. */
export function hydratedPaths(root: Data, path: ResponsePath): ResponsePath[] {
  const result: ResponsePath[] = [];
  const walk = (prefix: (string | number)[], rest: ResponsePath, value: unknown): void => {
    if (value === null || value === undefined) return;
    if (rest.length === 0) {
      if (typeof value === 'object' && !Array.isArray(value)) result.push([...prefix]);
      return;
    }
    const [head, ...tail] = rest;
    if (head === '@') {
      if (!Array.isArray(value)) return;
      value.forEach((item, index) => walk([...prefix, index], tail, item));
    } else if (typeof value === 'object' && !Array.isArray(value) && Object.hasOwn(value, head)) {
      walk([...prefix, head], tail, (value as Data)[head as string]);
    }
  };
  walk([], path, root);
  return result;
}

function downstreamError(
  error: GraphQLFormattedError,
  serviceName: string,
  path: readonly (string | number)[] | undefined,
): GraphQLError {
  const code = error.extensions?.code;
  return new GraphQLError(error.message || `Error while fetching subquery from service "${serviceName}"`, {
    path,
    extensions: { ...error.extensions, code: code ?? 'DOWNSTREAM_SERVICE_ERROR', serviceName },
  });
}

function asGraphQLError(error: unknown): GraphQLError {
  if (error instanceof GraphQLError) return error;
  const cause = error instanceof Error ? error : new Error(String(error));
  return new GraphQLError(cause.message, { originalError: cause });
}

/** __schema and __type, answered by the router from the API schema (no subgraph knows the supergraph). */
function introspect(
  schema: GraphQLSchema,
  shapes: OperationShapes,
  field: FieldShape,
  variables: Readonly<Record<string, unknown>>,
): unknown {
  const { data } = executeSync({
    schema,
    document: {
      kind: Kind.DOCUMENT,
      definitions: [
        {
          kind: Kind.OPERATION_DEFINITION,
          operation: OperationTypeNode.QUERY,
          variableDefinitions: shapes.operation.variableDefinitions,
          selectionSet: { kind: Kind.SELECTION_SET, selections: field.nodes },
        },
        ...shapes.fragments.values(),
      ],
    },
    variableValues: variables,
  });
  return data?.[field.key] ?? null;
}
