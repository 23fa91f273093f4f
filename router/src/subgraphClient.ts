import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import { IDENTITY_HEADER, type Identity, type InternalTokens } from '@roombook/kernel';
import { GraphQLError, Kind, OperationTypeNode, type DocumentNode } from 'graphql';
import { LRUCache } from 'lru-cache';
import { Counter, Histogram, type Registry } from 'prom-client';
import { Pool, type Dispatcher } from 'undici';
import { ClientGone, SharedFetch, fetchTimedOut } from './deadlines';
import { copyOf } from './execution/deepMerge';
import type { RouterContext } from './gateway';

/**
 * An idle connection is given up this long before the subgraph would close it (it announces its
 * own timeout in `Keep-Alive: timeout=…`), so a request is never sent on a socket being closed.
 */
const KEEP_ALIVE_MARGIN_MS = 1_000;
/** The longest a connection stays idle, whatever the subgraph announces. */
const KEEP_ALIVE_MAX_MS = 60_000;
/** Errors of a connection that died under a request before any answer: a query may be sent again. */
const DEAD_CONNECTION = new Set(['UND_ERR_SOCKET', 'ECONNRESET', 'EPIPE', 'UND_ERR_CLOSED']);

export interface SubgraphClientMetrics {
  readonly fetchDuration: Histogram<'subgraph' | 'outcome'>;
  readonly merged: Counter<'subgraph'>;
}

export function subgraphClientMetrics(registry: Registry): SubgraphClientMetrics {
  return {
    fetchDuration: new Histogram({
      name: 'subgraph_fetch_duration_seconds',
      help: 'Fetches of query plans to each subgraph, by outcome',
      labelNames: ['subgraph', 'outcome'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    merged: new Counter({
      name: 'subgraph_fetches_merged_total',
      help: 'Fetches not sent because the same caller had the same query to the same subgraph in flight',
      labelNames: ['subgraph'],
      registers: [registry],
    }),
  };
}

interface SubgraphAnswer {
  readonly status: number;
  readonly body: string;
}

/** An answer with its body parsed (undefined: not JSON). */
interface ParsedAnswer {
  readonly status: number;
  readonly parsed: unknown;
}

type Outcome = 'ok' | 'errors' | 'abandoned' | 'failed';
const OUTCOMES: readonly Outcome[] = ['ok', 'errors', 'abandoned', 'failed'];

/** Each identity's merge key, kept with the identity object: a plan's fetches ask for it many times. */
const identityKeys = new WeakMap<Identity, string>();

function identityKeyOf(identity: Identity): string {
  let key = identityKeys.get(identity);
  if (key === undefined) identityKeys.set(identity, (key = JSON.stringify(identity)));
  return key;
}

/**
 * How the router calls a subgraph for each fetch of a query plan: a pool of keep-alive
 * connections (undici), the caller's identity signed for the subgraph, and, for queries,
 * identical fetches in flight merged: same subgraph, same operation and variables, same caller
 * identity. Never across callers (each caller's identity is in the key and in the request) and
 * never for a mutation (each one must happen). A merged answer is parsed once; each caller but the
 * last to take it gets a copy (a quarter of a parse's cost), so no two executions share an object
 * the executor writes into.
 */
export class SubgraphClient implements GraphQLDataSource<RouterContext> {
  private readonly pool: Pool;
  private readonly path: string;
  /** Queries in flight, by the caller's identity, then by the request's body (JSON). */
  private readonly inFlight = new Map<string, Map<string, SharedFetch<ParsedAnswer>>>();
  /**
   * The start of each fetch operation's body, `{"query":…,"operationName":…,"variables":`, by its
   * text. Bounded: batched entity fetches make operations per combination of a plan's fetches.
   */
  private readonly bodyStarts = new LRUCache<string, Map<string | undefined, string>>({ max: 10_000 });
  /** The histogram's labels, one object per outcome, made once. */
  private readonly outcomeLabels: Readonly<Record<Outcome, { subgraph: string; outcome: Outcome }>>;

  constructor(
    readonly subgraph: string,
    url: string,
    private readonly metrics: SubgraphClientMetrics,
    private readonly mergeInFlight: boolean,
    private readonly tokens: InternalTokens,
    private readonly timeoutMs: number,
  ) {
    const { origin, pathname, search } = new URL(url);
    this.path = pathname + search;
    this.pool = new Pool(origin, {
      keepAliveTimeout: KEEP_ALIVE_MAX_MS,
      keepAliveMaxTimeout: KEEP_ALIVE_MAX_MS,
      keepAliveTimeoutThreshold: KEEP_ALIVE_MARGIN_MS,
    });
    this.outcomeLabels = Object.fromEntries(OUTCOMES.map((outcome) => [outcome, { subgraph, outcome }])) as Record<
      Outcome,
      { subgraph: string; outcome: Outcome }
    >;
  }

  async process(options: GraphQLDataSourceProcessOptions<RouterContext>): Promise<GatewayGraphQLResponse> {
    const { request } = options;
    const mutation = isMutation('document' in options ? options.document : undefined, request.query);
    // The gateway types the context loosely; the router's context function always builds a RouterContext.
    return this.fetch(
      { query: request.query!, variables: request.variables ?? {}, operationName: request.operationName },
      mutation,
      options.context as RouterContext,
    );
  }

  /** One fetch of a query plan, as the caller in `context`. */
  async fetch(
    request: { readonly query: string; readonly variables: object; readonly operationName?: string | undefined },
    mutation: boolean,
    { identity, clientGone }: RouterContext,
  ): Promise<GatewayGraphQLResponse> {
    // A client that left gets no more fetches: the rest of its plan is not worth a subgraph's time.
    if (clientGone?.aborted) throw clientGone.reason as Error;
    // Signed as the fetch goes out, not when the request came in: a plan may outlive a token.
    const identityToken =
      this.tokens.reusable(identity, this.subgraph) ?? (await this.tokens.sign(identity, this.subgraph));
    const body = this.bodyStartOf(request.query, request.operationName) + JSON.stringify(request.variables) + '}';
    const started = performance.now();
    try {
      const answer =
        this.mergeInFlight && !mutation
          ? await this.merged(
              identityKeyOf(identity),
              body,
              async (abandoned) => parsedAnswer(await this.send(body, identityToken, true, abandoned)),
              clientGone,
            )
          : // A mutation already sent runs to its end (the subgraph would carry on anyway), within the deadline.
            parsedAnswer(await this.send(body, identityToken, !mutation, mutation ? undefined : clientGone));
      const response = this.responseOf(answer);
      this.observe(response.errors?.length ? 'errors' : 'ok', started);
      return response;
    } catch (error) {
      this.observe(error instanceof ClientGone ? 'abandoned' : 'failed', started);
      throw error;
    }
  }

  /** Open connections to the subgraph, and how many of them wait idle for the next fetch. */
  connections(): { open: number; idle: number } {
    const { connected, free } = this.pool.stats;
    return { open: connected, idle: free };
  }

  async close(): Promise<void> {
    await this.pool.close();
  }

  private observe(outcome: Outcome, started: number): void {
    this.metrics.fetchDuration.observe(this.outcomeLabels[outcome], (performance.now() - started) / 1000);
  }

  /** The body's JSON up to the variables: the same for every fetch of one operation, so escaped once. */
  private bodyStartOf(query: string, operationName: string | undefined): string {
    let byName = this.bodyStarts.get(query);
    if (!byName) this.bodyStarts.set(query, (byName = new Map<string | undefined, string>()));
    let start = byName.get(operationName);
    if (start === undefined) {
      const name = operationName === undefined ? '' : `"operationName":${JSON.stringify(operationName)},`;
      start = `{"query":${JSON.stringify(query)},${name}"variables":`;
      byName.set(operationName, start);
    }
    return start;
  }

  private async merged(
    identityKey: string,
    body: string,
    send: (abandoned: AbortSignal) => Promise<ParsedAnswer>,
    caller: AbortSignal | undefined,
  ): Promise<ParsedAnswer> {
    let ofCaller = this.inFlight.get(identityKey);
    const pending = ofCaller?.get(body);
    if (pending?.joinable) {
      this.metrics.merged.inc({ subgraph: this.subgraph });
      return claimed(pending, await pending.waitFor(caller));
    }
    const sent = new SharedFetch(send);
    if (!ofCaller) this.inFlight.set(identityKey, (ofCaller = new Map<string, SharedFetch<ParsedAnswer>>()));
    ofCaller.set(body, sent);
    void sent.settled.then(() => {
      const fetches = this.inFlight.get(identityKey);
      if (fetches?.get(body) !== sent) return;
      fetches.delete(body);
      if (fetches.size === 0) this.inFlight.delete(identityKey);
    });
    return claimed(sent, await sent.waitFor(caller));
  }

  /**
   * One request to the subgraph, through undici's dispatcher with a handler of the router's own:
   * the body is collected as it comes (no stream per fetch), and the deadline is a plain timer
   * that aborts the request (no AbortSignal per fetch).
   */
  private async send(
    body: string,
    identityToken: string,
    mayResend: boolean,
    abandoned: AbortSignal | undefined,
  ): Promise<SubgraphAnswer> {
    // Bytes once, here: undici would otherwise measure, then encode the text for each request.
    const bytes = ENCODER.encode(body);
    const headers = ['content-type', 'application/json', IDENTITY_HEADER, identityToken];
    let timedOut = false;
    // Why the request is to stop, once it is; and how to stop it, once undici has started it.
    let stopped: Error | undefined;
    let abort: ((reason: Error) => void) | undefined;
    const stop = (reason: Error) => {
      stopped ??= reason;
      abort?.(reason);
    };
    const started = (abortRequest: (reason: Error) => void) => {
      abort = abortRequest;
      if (stopped) abortRequest(stopped);
    };
    const deadline = setTimeout(() => {
      timedOut = true;
      stop(new DeadlineReached(this.timeoutMs));
    }, this.timeoutMs);
    const onAbandoned = () => stop(abandoned!.reason as Error);
    if (abandoned?.aborted) onAbandoned();
    else abandoned?.addEventListener('abort', onAbandoned, { once: true });
    try {
      try {
        return await this.dispatch(bytes, headers, started);
      } catch (error) {
        // A reused connection the subgraph closed as this request went out: nothing was answered.
        if (
          !mayResend ||
          stopped ||
          !(error instanceof BeforeAnswer) ||
          !DEAD_CONNECTION.has((error.cause as { code?: string }).code ?? '')
        ) {
          throw error;
        }
        return await this.dispatch(bytes, headers, started);
      }
    } catch (thrown) {
      const error = thrown instanceof BeforeAnswer ? thrown.cause : thrown;
      if (timedOut) throw fetchTimedOut(this.subgraph, this.timeoutMs, error);
      if (abandoned?.aborted) throw abandoned.reason as Error;
      throw new GraphQLError(`The ${this.subgraph} service is unavailable; retry later`, {
        extensions: { code: 'SERVICE_UNAVAILABLE' },
        originalError: error as Error,
      });
    } finally {
      clearTimeout(deadline);
      abandoned?.removeEventListener('abort', onAbandoned);
    }
  }

  /**
   * The request, answered with its status and body. An error before the response's headers is a
   * BeforeAnswer (the request may be sent again on another connection); `onAbort` gets the
   * function that aborts it, as soon as there is one.
   */
  private dispatch(
    body: Uint8Array,
    headers: string[],
    onAbort: (abort: (reason: Error) => void) => void,
  ): Promise<SubgraphAnswer> {
    return new Promise((resolve, reject) => {
      let status = 0;
      const chunks: Buffer[] = [];
      const handler: Dispatcher.DispatchHandler = {
        onConnect: (abort) => onAbort(abort),
        onHeaders: (statusCode) => {
          // 1xx: informational; the answer's own status comes after it.
          if (statusCode >= 200) status = statusCode;
          return true;
        },
        onData: (chunk) => {
          chunks.push(chunk);
          return true;
        },
        onComplete: () => {
          const text = chunks.length === 1 ? chunks[0].toString() : Buffer.concat(chunks).toString();
          resolve({ status, body: text });
        },
        onError: (error) => reject(status === 0 ? new BeforeAnswer(error) : error),
      };
      this.pool.dispatch({ method: 'POST', path: this.path, headers, body }, handler);
    });
  }

  /**
   * A subgraph that refuses a request (HTTP 4xx/5xx) usually says why with a coded GraphQL error,
   * such as BAD_USER_INPUT for a variable it cannot coerce: pass that on as it is. Never pass on
   * the response itself, which names internal URLs.
   */
  private responseOf(answer: ParsedAnswer): GatewayGraphQLResponse {
    const { status } = answer;
    const parsed = answer.parsed as GatewayGraphQLResponse | undefined;
    if (status >= 200 && status < 300 && parsed && typeof parsed === 'object') return parsed;
    const first = (parsed as { errors?: { message?: string; extensions?: { code?: string } }[] } | undefined)
      ?.errors?.[0];
    // The caller's request is what is too large: sending it again later would not help.
    if (status === 413) {
      throw new GraphQLError(`The request is too large for the ${this.subgraph} service; send less at once`, {
        extensions: { code: 'PAYLOAD_TOO_LARGE' },
      });
    }
    if (status >= 300 && first?.message && first.extensions?.code) {
      throw new GraphQLError(first.message, { extensions: { code: first.extensions.code } });
    }
    throw new GraphQLError(`The ${this.subgraph} service failed (HTTP ${status}); retry later`, {
      extensions: { code: 'SERVICE_UNAVAILABLE' },
    });
  }
}

const ENCODER = new TextEncoder();

/** A request that failed before any answer came: `cause` says why. */
class BeforeAnswer extends Error {
  constructor(cause: Error) {
    super(cause.message, { cause });
  }
}

/** Why a fetch was aborted at its deadline (the cause of its SERVICE_UNAVAILABLE). */
class DeadlineReached extends Error {
  constructor(timeoutMs: number) {
    super(`No answer within ${timeoutMs} ms`);
    this.name = 'TimeoutError';
  }
}

function isMutation(document: DocumentNode | undefined, query: string | undefined): boolean {
  if (document) {
    return document.definitions.some(
      (definition) =>
        definition.kind === Kind.OPERATION_DEFINITION && definition.operation === OperationTypeNode.MUTATION,
    );
  }
  return /^\s*mutation\b/.test(query ?? '');
}

function parsedAnswer({ status, body }: SubgraphAnswer): ParsedAnswer {
  return { status, parsed: parseJson(body) };
}

/** A shared answer as one caller may change it: the parsed answer itself for the last to claim it, a copy for the others. */
function claimed(shared: SharedFetch<ParsedAnswer>, answer: ParsedAnswer): ParsedAnswer {
  return shared.lastToClaim() ? answer : { status: answer.status, parsed: copyOf(answer.parsed) };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
