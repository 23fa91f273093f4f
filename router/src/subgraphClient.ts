import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import { IDENTITY_HEADER, type InternalTokens } from '@roombook/kernel';
import { GraphQLError, Kind, OperationTypeNode, type DocumentNode } from 'graphql';
import { Counter, Histogram, type Registry } from 'prom-client';
import { Pool } from 'undici';
import { ClientGone, SharedFetch, fetchTimedOut } from './deadlines';
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

/**
 * How the router calls a subgraph for each fetch of a query plan: a pool of keep-alive
 * connections (undici), the caller's identity signed for the subgraph, and, for queries,
 * identical fetches in flight merged: same subgraph, same operation and variables, same caller
 * identity. Never across callers (each caller's identity is in the key and in the request) and
 * never for a mutation (each one must happen). A merged answer is parsed once per fetch, so no
 * two executions share an object the gateway writes into.
 */
export class SubgraphClient implements GraphQLDataSource<RouterContext> {
  private readonly pool: Pool;
  private readonly path: string;
  private readonly inFlight = new Map<string, SharedFetch<SubgraphAnswer>>();

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
    const identityToken = await this.tokens.sign(identity, this.subgraph);
    const body = JSON.stringify({
      query: request.query,
      variables: request.variables,
      operationName: request.operationName,
    });
    const stop = this.metrics.fetchDuration.startTimer({ subgraph: this.subgraph });
    try {
      const answer =
        this.mergeInFlight && !mutation
          ? await this.merged(
              `${JSON.stringify(identity)}\n${body}`,
              (abandoned) => this.send(body, identityToken, true, abandoned),
              clientGone,
            )
          : // A mutation already sent runs to its end (the subgraph would carry on anyway), within the deadline.
            await this.send(body, identityToken, !mutation, mutation ? undefined : clientGone);
      const response = this.responseOf(answer);
      stop({ outcome: response.errors?.length ? 'errors' : 'ok' });
      return response;
    } catch (error) {
      stop({ outcome: error instanceof ClientGone ? 'abandoned' : 'failed' });
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

  private merged(
    key: string,
    send: (abandoned: AbortSignal) => Promise<SubgraphAnswer>,
    caller: AbortSignal | undefined,
  ): Promise<SubgraphAnswer> {
    const pending = this.inFlight.get(key);
    if (pending && !pending.abandoned) {
      this.metrics.merged.inc({ subgraph: this.subgraph });
      return pending.waitFor(caller);
    }
    const sent = new SharedFetch(send);
    this.inFlight.set(key, sent);
    void sent.settled.then(() => {
      if (this.inFlight.get(key) === sent) this.inFlight.delete(key);
    });
    return sent.waitFor(caller);
  }

  private async send(
    body: string,
    identityToken: string,
    mayResend: boolean,
    abandoned: AbortSignal | undefined,
  ): Promise<SubgraphAnswer> {
    const deadline = AbortSignal.timeout(this.timeoutMs);
    const signal = abandoned ? AbortSignal.any([deadline, abandoned]) : deadline;
    const request = () =>
      this.pool.request({
        method: 'POST',
        path: this.path,
        headers: { 'content-type': 'application/json', [IDENTITY_HEADER]: identityToken },
        body,
        signal,
      });
    try {
      let response;
      try {
        response = await request();
      } catch (error) {
        // A reused connection the subgraph closed as this request went out: nothing was answered.
        if (!mayResend || !DEAD_CONNECTION.has((error as { code?: string }).code ?? '')) throw error;
        response = await request();
      }
      return { status: response.statusCode, body: await response.body.text() };
    } catch (error) {
      if (deadline.aborted) throw fetchTimedOut(this.subgraph, this.timeoutMs, error);
      if (abandoned?.aborted) throw abandoned.reason as Error;
      throw new GraphQLError(`The ${this.subgraph} service is unavailable; retry later`, {
        extensions: { code: 'SERVICE_UNAVAILABLE' },
        originalError: error as Error,
      });
    }
  }

  /**
   * A subgraph that refuses a request (HTTP 4xx/5xx) usually says why with a coded GraphQL error,
   * such as BAD_USER_INPUT for a variable it cannot coerce: pass that on as it is. Never pass on
   * the response itself, which names internal URLs.
   */
  private responseOf({ status, body }: SubgraphAnswer): GatewayGraphQLResponse {
    const parsed = parseJson(body) as GatewayGraphQLResponse | undefined;
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

function isMutation(document: DocumentNode | undefined, query: string | undefined): boolean {
  if (document) {
    return document.definitions.some(
      (definition) =>
        definition.kind === Kind.OPERATION_DEFINITION && definition.operation === OperationTypeNode.MUTATION,
    );
  }
  return /^\s*mutation\b/.test(query ?? '');
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
