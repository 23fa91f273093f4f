import { createHash } from 'node:crypto';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import type { Identity, Logger } from '@roombook/kernel';
import { SpanStatusCode } from '@opentelemetry/api';
import {
  GraphQLError,
  NoSchemaIntrospectionCustomRule,
  OperationTypeNode,
  getOperationAST,
  getVariableValues,
  parse,
  print,
  specifiedRules,
  validate,
  type DocumentNode,
  type FieldNode,
  type ExecutionResult,
  type GraphQLFormattedError,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import { LRUCache } from 'lru-cache';
import { executeIncremental, executePlan, tracer, type SubsequentResult } from '../execution/executePlan';
import type { OperationPlans } from '../execution/operationPlans';
import type { PreparedPlan } from '../execution/preparedPlan';
import { OperationShapes } from '../execution/responseShape';
import type { AuthorizedOperation } from '../authorization/operationAuthorization';
import type { RouterContext } from '../gateway';
import type { OperationMetrics } from '../operationMetrics';
import type { OperationLimiter } from '../queryCost';
import { unknownOperation, valueErrorsOf } from '../requestErrors';
import type { SubgraphClient } from '../subgraphClient';

/** What a client asks: the fields of a GraphQL-over-HTTP request, or of the live layer's payload query. */
export interface OperationRequest {
  readonly query?: string | undefined;
  readonly operationName?: string | null | undefined;
  readonly variables?: Readonly<Record<string, unknown>> | null | undefined;
  readonly extensions?: Readonly<Record<string, unknown>> | null | undefined;
}

/**
 * A refusal of the whole request (no data), with the HTTP status it is answered with. A GraphQL
 * request error (`document`: the document cannot be parsed or validated, names no operation, or
 * its variables do not fit) is answered 400 as application/graphql-response+json but 200 as
 * application/json, as GraphQL over HTTP says.
 */
export class RequestError extends GraphQLError {
  readonly headers: Readonly<Record<string, string>>;
  readonly document: boolean;

  constructor(
    message: string,
    code: string,
    readonly status: number,
    options: {
      readonly headers?: Readonly<Record<string, string>>;
      readonly cause?: GraphQLError;
      readonly document?: boolean;
    } = {},
  ) {
    super(message, {
      extensions: { ...options.cause?.extensions, code },
      ...(options.cause ? { nodes: options.cause.nodes, originalError: options.cause } : {}),
    });
    this.headers = options.headers ?? {};
    this.document = options.document ?? false;
  }
}

/** What the router answers for one operation: a result, and the status for GraphQL over HTTP. */
export interface OperationAnswer {
  readonly status: number;
  /** Refused as a GraphQL request error (see RequestError). */
  readonly documentError: boolean;
  readonly headers: Readonly<Record<string, string>>;
  readonly result: ExecutionResult;
  readonly operationName: string | undefined;
  readonly operationType: string;
  /** The later payloads of an answer in parts (@defer, when the client takes parts), errors formatted. */
  readonly subsequent?: AsyncIterable<FormattedSubsequentResult>;
}

export interface FormattedSubsequentResult {
  readonly incremental: readonly {
    readonly data: unknown;
    readonly path: readonly (string | number)[];
    readonly errors?: readonly GraphQLFormattedError[];
  }[];
  readonly hasNext: boolean;
}

export interface PipelineOptions {
  readonly supergraph: () => { readonly apiSchema: GraphQLSchema; readonly plans: OperationPlans };
  readonly clients: ReadonlyMap<string, SubgraphClient>;
  readonly limiter: OperationLimiter;
  /** Authorization (see authorization/): the operation without what the caller may not read. */
  readonly authorize: (
    document: DocumentNode,
    operationName: string | undefined,
    variables: Readonly<Record<string, unknown>>,
    identity: Identity,
  ) => AuthorizedOperation;
  readonly metrics: OperationMetrics;
  readonly maxDepth: number;
  readonly production: boolean;
  readonly formatError: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;
  readonly log: Logger;
}

interface ParsedDocument {
  readonly document: DocumentNode | undefined;
  readonly errors: readonly GraphQLError[];
}

/** Documents kept parsed and validated, by their text; APQ texts, by hash (both bounded by size). */
const DOCUMENT_CACHE_BYTES = 30_000_000;

/**
 * The router's operations, from a request's fields to its answer: automatic persisted queries,
 * parse and validate (kept per document text), limits, variables, the plan (kept per document and
 * operation), execution by the router's own executor (see execution/), errors formatted in one
 * place, metrics and tracing. HTTP concerns (methods, CSRF, media types) are the handler's.
 */
export class OperationPipeline {
  readonly #documents = new LRUCache<string, ParsedDocument>({
    maxSize: DOCUMENT_CACHE_BYTES,
    sizeCalculation: (_value, key) => key.length + 1,
  });
  readonly #persisted = new LRUCache<string, string>({
    maxSize: DOCUMENT_CACHE_BYTES,
    sizeCalculation: (value) => value.length + 1,
  });
  readonly #validationRules;
  /** Shapes of operations answered after authorization narrowed them, by the operation as sent (kept with its document). */
  readonly #shapes = new WeakMap<OperationDefinitionNode, OperationShapes>();

  constructor(private readonly options: PipelineOptions) {
    this.#validationRules = [
      ...specifiedRules,
      // Reported as a validation error (400), not thrown.
      maxDepthRule({
        n: options.maxDepth,
        exposeLimits: true,
        propagateOnRejection: false,
        onReject: [(context, error) => context?.reportError(error)],
      }),
      ...(options.production ? [NoSchemaIntrospectionCustomRule] : []),
    ];
  }

  /**
   * One operation of an HTTP request. `limits`: the operation limits apply (a client's request;
   * the live layer's payload queries were checked when subscribed). `allowMutation`: false for GET.
   */
  async run(
    request: OperationRequest,
    context: RouterContext,
    options: {
      readonly limits: boolean;
      readonly allowMutation: boolean;
      /** The client takes an answer in parts (multipart/mixed, deferSpec=20220824): @defer is honoured. */
      readonly incremental?: boolean;
    },
  ): Promise<OperationAnswer> {
    const started = performance.now();
    let operationName: string | undefined;
    let operationType = 'none';
    let answer: OperationAnswer;
    try {
      answer = await tracer.startActiveSpan('gateway.request', async (span) => {
        try {
          const { document, operation, text } = this.#resolve(request);
          operationName = operation.name?.value;
          operationType = operation.operation;
          span.setAttributes({
            'graphql.operation.type': operation.operation,
            ...(operationName ? { 'graphql.operation.name': operationName } : {}),
          });
          if (!options.allowMutation && operation.operation !== OperationTypeNode.QUERY) {
            throw new RequestError(
              `GET requests only support query operations, not ${operation.operation} operations`,
              'BAD_REQUEST',
              405,
              {
                headers: { allow: 'POST' },
              },
            );
          }
          const { result, subsequent } = await this.#execute(
            request,
            context,
            document,
            operation,
            text,
            options.limits,
            options.incremental ?? false,
          );
          if (result.errors?.length) span.setStatus({ code: SpanStatusCode.ERROR });
          return {
            status: 200,
            documentError: false,
            headers: {},
            result,
            operationName,
            operationType,
            ...(subsequent ? { subsequent: this.#formattedParts(subsequent) } : {}),
          };
        } finally {
          span.end();
        }
      });
    } catch (error) {
      if (!(error instanceof RequestError)) throw error;
      answer = {
        status: error.status,
        documentError: error.document,
        headers: error.headers,
        result: { errors: [error] },
        operationName,
        operationType,
      };
    }
    const formatted = this.#formatted(answer.result);
    this.options.metrics.observe(
      operationName,
      operationType,
      formatted.errors ?? [],
      (performance.now() - started) / 1000,
    );
    return { ...answer, result: formatted as ExecutionResult };
  }

  /** A request refused before it reached an operation (malformed, CSRF, unauthenticated): its answer. */
  refused(error: RequestError): OperationAnswer {
    return {
      status: error.status,
      documentError: error.document,
      headers: error.headers,
      result: this.#formatted({ errors: [error] }) as ExecutionResult,
      operationName: undefined,
      operationType: 'none',
    };
  }

  /** For the live layer: a payload query as the subscriber, without the limits of a client's request. */
  async execute(
    request: {
      readonly query: string;
      readonly variables?: Record<string, unknown> | null;
      readonly operationName?: string | null;
    },
    caller: { readonly identity: Identity },
  ): Promise<ExecutionResult> {
    const { result } = await this.run(request, { identity: caller.identity }, { limits: false, allowMutation: true });
    return {
      ...(result.data !== undefined ? { data: result.data } : {}),
      ...(result.errors
        ? {
            errors: result.errors.map(
              (error) => new GraphQLError(error.message, { extensions: error.extensions, path: error.path }),
            ),
          }
        : {}),
    };
  }

  /** The document and operation to run: persisted queries resolved, parsed, validated, the operation picked. */
  #resolve(request: OperationRequest): { document: DocumentNode; operation: OperationDefinitionNode; text: string } {
    const text = this.#text(request);
    const { apiSchema } = this.options.supergraph();
    let parsed = this.#documents.get(text);
    if (!parsed) {
      parsed = this.#parse(text, apiSchema);
      this.#documents.set(text, parsed);
    }
    if (parsed.errors.length) throw parsed.errors[0];
    const persisted = persistedQueryHash(request);
    if (persisted && request.query) this.#persisted.set(persisted, text);
    const document = parsed.document!;
    const operation = getOperationAST(document, request.operationName ?? undefined);
    if (!operation) {
      const refusal = unknownOperation(request.operationName);
      throw new RequestError(refusal.message, 'BAD_REQUEST', 400, { document: true });
    }
    return { document, operation, text };
  }

  #text(request: OperationRequest): string {
    const hash = persistedQueryHash(request);
    if (hash === undefined) {
      if (typeof request.query !== 'string' || request.query.trim() === '') {
        throw new RequestError(
          'GraphQL operations must contain a non-empty `query` or a `persistedQuery` extension.',
          'BAD_REQUEST',
          400,
        );
      }
      return request.query;
    }
    if (typeof request.query !== 'string') {
      const known = this.#persisted.get(hash);
      // Apollo's APQ protocol: 200, and the client sends the text with its hash.
      if (known === undefined) {
        throw new RequestError('PersistedQueryNotFound', 'PERSISTED_QUERY_NOT_FOUND', 200, {
          headers: { 'cache-control': 'private, no-cache, must-revalidate' },
        });
      }
      return known;
    }
    if (createHash('sha256').update(request.query).digest('hex') !== hash) {
      throw new RequestError('provided sha does not match query', 'BAD_REQUEST', 400);
    }
    return request.query;
  }

  #parse(text: string, schema: GraphQLSchema): ParsedDocument {
    let document: DocumentNode;
    try {
      document = parse(text);
    } catch (error) {
      if (!(error instanceof GraphQLError)) throw error;
      return { document: undefined, errors: [requestErrorOf(error, 'GRAPHQL_PARSE_FAILED')] };
    }
    const errors = validate(schema, document, this.#validationRules);
    if (!errors.length) return { document, errors: [] };
    const isValueError = valueErrorsOf(schema, document);
    return {
      document,
      errors: errors.map((error) =>
        requestErrorOf(
          this.options.production ? withoutSuggestions(error) : error,
          isValueError(error) ? 'BAD_USER_INPUT' : 'GRAPHQL_VALIDATION_FAILED',
        ),
      ),
    };
  }

  async #execute(
    request: OperationRequest,
    context: RouterContext,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    text: string,
    limits: boolean,
    incremental: boolean,
  ): Promise<{ result: ExecutionResult; subsequent: AsyncIterable<SubsequentResult> | undefined }> {
    const { apiSchema, plans } = this.options.supergraph();
    const variables = request.variables ?? {};
    if (limits) {
      const refusal = this.options.limiter.refusalOf(apiSchema, document, { ...variables }, operation.name?.value);
      if (refusal) throw new RequestError(refusal.message, refusal.code, 400, { document: true });
    }
    const coerced = getVariableValues(apiSchema, operation.variableDefinitions ?? [], variables);
    if (coerced.errors) throw requestErrorOf(coerced.errors[0], 'BAD_USER_INPUT');
    // Coerced: a variable the request leaves out has its default value (an @include reads it).
    const authorized = this.options.authorize(document, operation.name?.value, coerced.coerced, context.identity);
    let prepared: PreparedPlan;
    let shapes: OperationShapes;
    if (authorized.errors.length === 0) {
      prepared = planned(() => plans.planOf(text, document, operation));
      shapes = prepared.shapes;
    } else {
      // The narrowed operation is planned (its own text, its own plan); the answer is shaped as sent.
      const narrowedText = print(authorized.document);
      prepared = planned(() =>
        plans.planOf(narrowedText, authorized.document, getOperationAST(authorized.document, operation.name?.value)!),
      );
      shapes = this.#shapesOf(apiSchema, document, operation);
    }
    const unplanned = prepared.step ? [] : fieldsToFetch(shapes, coerced.coerced, authorized.removed);
    if (unplanned.length > 0) {
      // The planner's empty plan for fields it found no way to fetch would answer them null, without an error.
      throw new RequestError(
        `The query planner found no way to fetch ${unplanned.join(', ')}`,
        'INTERNAL_SERVER_ERROR',
        500,
      );
    }
    const planRequest = { variables, coerced: coerced.coerced, context, shapes, removed: authorized.removed };
    const planSchemas = { api: apiSchema, supergraph: plans.supergraphSchema };
    const { initial, subsequent } = incremental
      ? await executeIncremental(prepared, planRequest, this.options.clients, planSchemas)
      : { initial: await executePlan(prepared, planRequest, this.options.clients, planSchemas), subsequent: undefined };
    const { data, errors, valueCompletion } = initial;
    errors.push(...authorized.errors);
    return {
      result: {
        ...(errors.length ? { errors } : {}),
        data,
        ...(valueCompletion.length
          ? { extensions: { valueCompletion: valueCompletion.map((error) => error.toJSON()) } }
          : {}),
        ...(subsequent ? { hasNext: true } : {}),
      },
      subsequent,
    };
  }

  async *#formattedParts(parts: AsyncIterable<SubsequentResult>): AsyncGenerator<FormattedSubsequentResult> {
    for await (const part of parts) {
      yield {
        incremental: part.incremental.map(({ data, path, errors }) => ({
          data,
          path,
          ...(errors?.length
            ? { errors: errors.map((error) => this.options.formatError(formatOf(error), error)) }
            : {}),
        })),
        hasNext: part.hasNext,
      };
    }
  }

  #shapesOf(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode): OperationShapes {
    let shapes = this.#shapes.get(operation);
    if (!shapes) {
      shapes = new OperationShapes(schema, document, operation);
      this.#shapes.set(operation, shapes);
    }
    return shapes;
  }

  #formatted(result: ExecutionResult): { errors?: GraphQLFormattedError[]; data?: unknown; extensions?: unknown } {
    return {
      ...(result.errors?.length
        ? { errors: result.errors.map((error) => this.options.formatError(formatOf(error), error)) }
        : {}),
      ...(result.data !== undefined ? { data: result.data } : {}),
      ...(result.extensions ? { extensions: result.extensions } : {}),
      ...((result as { hasNext?: boolean }).hasNext ? { hasNext: true } : {}),
    };
  }
}

function persistedQueryHash(request: OperationRequest): string | undefined {
  const persisted = request.extensions?.persistedQuery as { version?: unknown; sha256Hash?: unknown } | undefined;
  if (!persisted || typeof persisted !== 'object') return undefined;
  if (persisted.version !== 1) throw new RequestError('Unsupported persisted query version', 'BAD_REQUEST', 400);
  if (typeof persisted.sha256Hash !== 'string') return undefined;
  return persisted.sha256Hash;
}

function requestErrorOf(error: GraphQLError, code: string): RequestError {
  return new RequestError(error.message, code, 400, { cause: error, document: true });
}

/**
 * The plan, or the planner's failure on a valid operation (it found no way to fetch a field of the
 * supergraph) as the router's own error: 500, INTERNAL_SERVER_ERROR, in the response's format.
 */
function planned(plan: () => PreparedPlan): PreparedPlan {
  try {
    return plan();
  } catch (error) {
    if (error instanceof RequestError) throw error;
    throw new RequestError(error instanceof Error ? error.message : String(error), 'INTERNAL_SERVER_ERROR', 500);
  }
}

/** The root fields of the operation, as these variables and authorization leave it, that some subgraph must answer. */
function fieldsToFetch(
  shapes: OperationShapes,
  variables: Readonly<Record<string, unknown>>,
  removed: ReadonlySet<FieldNode>,
): string[] {
  return shapes
    .shapeFor(variables, removed)
    .fieldsOf(shapes.rootType)
    .filter((field) => field.kind === 'value')
    .map((field) => field.key);
}

/** GraphQL's "Did you mean ...?" names the schema's fields, which production does not reveal. */
function withoutSuggestions(error: GraphQLError): GraphQLError {
  const message = error.message.replace(/ ?Did you mean(.+)\?$/, '');
  return message === error.message
    ? error
    : new GraphQLError(message, { nodes: error.nodes, extensions: error.extensions });
}

/** An error as the client reads it: message, locations, path, extensions (never `http` or internals). */
function formatOf(error: GraphQLError): GraphQLFormattedError {
  const formatted = error.toJSON();
  return {
    message: formatted.message,
    ...(formatted.locations ? { locations: formatted.locations } : {}),
    ...(formatted.path ? { path: formatted.path } : {}),
    // As Apollo Server did: an error without a code is the router's own (the formatter hides it in production).
    extensions: { ...formatted.extensions, code: formatted.extensions?.code ?? 'INTERNAL_SERVER_ERROR' },
  };
}
