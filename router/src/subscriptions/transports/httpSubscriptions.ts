import type { ServerResponse } from 'node:http';
import { DomainError, httpStatusFor, type Identity, type Logger } from '@roombook/kernel';
import type { Request, RequestHandler, Response } from 'express';
import {
  GraphQLError,
  OperationTypeNode,
  getOperationAST,
  parse,
  type ExecutionResult,
  type GraphQLFormattedError,
} from 'graphql';
import { authenticatedCallerOf, type UserAuthenticator } from '../../authentication';
import { leaveAdmission } from '../../loadShedding';
import { MEDIA_TYPES } from '../../pipeline/graphqlHttp';
import type { LiveCaller, LiveRequest, LiveSubscriptions } from '../liveServer';
import { MULTIPART_HEARTBEAT_MAX_MS, acceptsMultipartSubscription, multipartFormat } from './multipart';
import { sseFormat } from './sse';

/** How one HTTP transport frames a subscription's stream. */
export interface StreamFormat {
  readonly name: 'sse' | 'multipart';
  readonly headers: Readonly<Record<string, string>>;
  /** Written as soon as the subscription stands, before any event. */
  opening(): string;
  result(result: ExecutionResult): string;
  heartbeat(): string;
  /** The subscription ended for good (the client should not subscribe again). */
  completed(): string;
  /** The router ends the stream (it drains, or the client is too slow): the client subscribes again, resuming. */
  interrupted(error: GraphQLError): string;
}

export interface HttpSubscriptionOptions {
  readonly authenticator: UserAuthenticator;
  readonly log: Logger;
  /** Streams one caller (a user, or an anonymous client address) may hold open at once. */
  readonly maxPerCaller: number;
  /** SSE comments and (at most 5 s apart) multipart heartbeats keep idle connections open. */
  readonly keepAliveMs: number;
}

/** Errors of the request itself, answered with 400 before any stream, as over HTTP. */
const REQUEST_ERROR_CODES = new Set([
  'BAD_REQUEST',
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
]);
/** A client dropped (too slow) gets this long to take the end of its stream before the socket is cut. */
const CLOSE_GRACE_MS = 1_000;

/**
 * Subscriptions over plain HTTP on /graphql: SSE (`Accept: text/event-stream`, the graphql-sse
 * protocol in distinct connections mode) and Apollo's multipart protocol (`Accept:
 * multipart/mixed;subscriptionSpec=1.0`, subscription operations only). Anything else goes on to
 * the operations handler. The caller is authenticated from the Authorization header as for any
 * HTTP request; the live layer checks, limits and resolves each event as for graphql-ws.
 */
export function httpSubscriptions(live: LiveSubscriptions, options: HttpSubscriptionOptions): RequestHandler {
  const open = new Set<LiveStream>();
  const perCaller = new Map<string, number>();
  live.onDrain(() => {
    const goingAway = coded(
      'SERVICE_UNAVAILABLE',
      'The router is shutting down: subscribe again, with the last cursor received, to resume on another router',
    );
    for (const stream of open) stream.interrupt(goingAway);
  });

  return (req, res, next) => {
    const format = formatFor(req);
    if (!format || (req.method !== 'GET' && req.method !== 'POST')) {
      next();
      return;
    }
    const params = paramsOf(req, format);
    if (!params.ok) {
      if (params.passOn) next();
      else answerErrors(req, res, 400, [coded('BAD_REQUEST', params.message)]);
      return;
    }
    void serve(req, res, format, params.request).catch(next);
  };

  async function serve(req: Request, res: Response, format: StreamFormat, request: LiveRequest): Promise<void> {
    let caller: LiveCaller;
    try {
      caller = await authenticatedCallerOf(req, options.authenticator);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      answerErrors(req, res, httpStatusFor(error.code), [coded(error.code, error.message)]);
      return;
    }
    const key = callerKey(caller.identity, req.ip ?? req.socket.remoteAddress);
    const held = perCaller.get(key) ?? 0;
    if (held >= options.maxPerCaller) {
      answerErrors(req, res, 400, [
        coded(
          'BAD_USER_INPUT',
          `At most ${options.maxPerCaller} subscriptions per caller over SSE and multipart HTTP (MAX_HTTP_SUBSCRIPTIONS_PER_CALLER)`,
        ),
      ]);
      return;
    }
    const heartbeatMs =
      format.name === 'multipart' ? Math.min(options.keepAliveMs, MULTIPART_HEARTBEAT_MAX_MS) : options.keepAliveMs;
    const stream = new LiveStream(res, format, heartbeatMs);
    let opened = await live.open(caller, request, () =>
      stream.interrupt(
        coded('SERVICE_UNAVAILABLE', 'Too slow: events were waiting for this client; resume from the last cursor'),
      ),
    );
    if (isErrorList(opened)) {
      if (opened.every((error) => REQUEST_ERROR_CODES.has(String(error.extensions.code)))) {
        answerErrors(req, res, 400, opened);
        return;
      }
      // Refused for what it asks (FORBIDDEN, CURSOR_EXPIRED, ...): one result with the errors, then
      // the end, as graphql-ws ends it with an `error` message.
      opened = singleResult({ errors: opened });
    }
    if (res.destroyed) {
      void opened.return?.();
      return;
    }
    perCaller.set(key, held + 1);
    open.add(stream);
    res.once('close', () => {
      open.delete(stream);
      const left = (perCaller.get(key) ?? 1) - 1;
      if (left > 0) perCaller.set(key, left);
      else perCaller.delete(key);
    });
    await stream.run(opened);
  }
}

/** One subscription's response, from its headers to its end, at the pace the client reads. */
class LiveStream {
  private interrupted = false;
  private results: AsyncIterableIterator<ExecutionResult> | undefined;
  private heartbeat: NodeJS.Timeout | undefined;

  constructor(
    private readonly res: ServerResponse,
    private readonly format: StreamFormat,
    private readonly heartbeatMs: number,
  ) {}

  async run(results: AsyncIterableIterator<ExecutionResult>): Promise<void> {
    this.results = results;
    const { res, format } = this;
    res.once('close', () => void results.return?.());
    // One stream's failure ends that stream, never the router (an 'error' nobody listens to would).
    res.on('error', () => res.destroy());
    res.writeHead(200, format.headers);
    res.write(format.opening());
    // An open stream is no operation in progress: it gives its turn back, and waits without one.
    leaveAdmission(res);
    this.heartbeat = setInterval(() => this.write(format.heartbeat()), this.heartbeatMs);
    try {
      for (;;) {
        const next = await results.next();
        if (next.done || this.isOver) break;
        // The next event is taken only once this one is on its way: a client that does not read
        // lets its events queue in the live layer, which drops it past the limit.
        if (!this.write(format.result(next.value)) && !this.isOver) await drained(res);
      }
      if (!this.isOver) res.end(format.completed());
    } finally {
      clearInterval(this.heartbeat);
    }
  }

  /** Ends the stream on the router's side: the client is to subscribe again and resume from its last cursor. */
  interrupt(error: GraphQLError): void {
    if (this.interrupted) return;
    this.interrupted = true;
    clearInterval(this.heartbeat);
    void this.results?.return?.();
    if (!this.res.writableEnded) this.res.end(this.format.interrupted(error));
    // A client that reads nothing may not take the end either.
    setTimeout(() => this.res.destroy(), CLOSE_GRACE_MS).unref();
  }

  private get isOver(): boolean {
    return this.interrupted || this.res.writableEnded || this.res.destroyed;
  }

  /** False when the client's buffers are full (wait for `drain`), or the stream is over. */
  private write(chunk: string): boolean {
    return !this.isOver && this.res.write(chunk);
  }
}

function formatFor(req: Request): StreamFormat | undefined {
  const accept = req.header('accept');
  if (accept?.split(',').some((range) => /^\s*text\/event-stream\s*(;|$)/i.test(range))) return sseFormat;
  if (acceptsMultipartSubscription(accept)) return multipartFormat;
  return undefined;
}

type Params =
  | { readonly ok: true; readonly request: LiveRequest }
  /** `passOn`: not a subscription this transport serves; the operations handler answers it. */
  | { readonly ok: false; readonly passOn: boolean; readonly message: string };

/**
 * The subscription a request asks for: a JSON body (POST) or the query string (GET), as in
 * GraphQL over HTTP. SSE resumes from the `Last-Event-ID` header (what `EventSource` sends when it
 * reconnects) or `extensions.resumeFrom`; multipart from `extensions.resumeFrom`. Multipart takes
 * only subscription operations: everything else (queries, @defer, malformed requests) is the
 * operations handler's, which answers it as any HTTP request.
 */
function paramsOf(req: Request, format: StreamFormat): Params {
  const passOn = format.name === 'multipart';
  const source: Record<string, unknown> | undefined =
    req.method === 'GET' ? fromQueryString(req.query) : plainObject(req.body);
  if (!source) return { ok: false, passOn, message: 'The request body must be a JSON object' };
  const { query, operationName } = source;
  if (typeof query !== 'string' || query.trim() === '') {
    return { ok: false, passOn, message: 'The request must contain a non-empty `query`' };
  }
  if (operationName !== undefined && operationName !== null && typeof operationName !== 'string') {
    return { ok: false, passOn, message: '`operationName` must be a string' };
  }
  const variables = source.variables === null || source.variables === undefined ? null : plainObject(source.variables);
  if (variables === undefined) return { ok: false, passOn, message: '`variables` must be a JSON object' };
  const extensions =
    source.extensions === null || source.extensions === undefined ? {} : plainObject(source.extensions);
  if (extensions === undefined) return { ok: false, passOn, message: '`extensions` must be a JSON object' };
  if (passOn && !isSubscription(query, operationName)) return { ok: false, passOn, message: 'Not a subscription' };
  const lastEventId = format.name === 'sse' ? req.header('last-event-id') : undefined;
  const resumeFrom = lastEventId || extensions.resumeFrom;
  if (resumeFrom !== undefined && resumeFrom !== null && typeof resumeFrom !== 'string') {
    return { ok: false, passOn: false, message: '`extensions.resumeFrom` must be a cursor (a string)' };
  }
  return { ok: true, request: { query, operationName, variables, resumeFrom } };
}

/** GET parameters: `variables` and `extensions` are JSON text, as in GraphQL over HTTP. */
function fromQueryString(query: Record<string, unknown>): Record<string, unknown> | undefined {
  const parsed: Record<string, unknown> = { query: query.query, operationName: query.operationName };
  for (const name of ['variables', 'extensions'] as const) {
    const text = query[name];
    if (text === undefined || text === '') continue;
    if (typeof text !== 'string') return undefined;
    try {
      parsed[name] = JSON.parse(text);
    } catch {
      parsed[name] = text; // not an object: refused with the rest
    }
  }
  return parsed;
}

function isSubscription(query: string, operationName: string | null | undefined): boolean {
  try {
    return getOperationAST(parse(query), operationName)?.operation === OperationTypeNode.SUBSCRIPTION;
  } catch {
    return false;
  }
}

function plainObject(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/**
 * Errors before any stream, as the router answers them over HTTP (pipeline/graphqlHttp.ts): in
 * the GraphQL media type the client prefers, and for a request that cannot run (400) the status
 * 200 to a client that prefers application/json, as GraphQL over HTTP asks of legacy clients.
 * An SSE client accepts neither type: it gets application/json, with the status.
 */
function answerErrors(req: Request, res: Response, status: number, errors: readonly GraphQLError[]): void {
  const preferred = req.accepts([MEDIA_TYPES.json, MEDIA_TYPES.graphqlResponse]);
  const legacyJson = preferred === MEDIA_TYPES.json && /application\/json/i.test(req.header('accept') ?? '');
  const body: { errors: GraphQLFormattedError[] } = { errors: errors.map((error) => error.toJSON()) };
  res
    .status(status === 400 && legacyJson ? 200 : status)
    .type(`${preferred || MEDIA_TYPES.json}; charset=utf-8`)
    .send(JSON.stringify(body));
}

/** Whose share of streams a request takes: a signed-in user wherever they connect from, else the client address. */
function callerKey(identity: Identity, address: string | undefined): string {
  return identity.kind === 'user' ? `user:${identity.userId}` : `address:${address ?? 'unknown'}`;
}

/** `Array.isArray` does not narrow a readonly array. */
function isErrorList(
  opened: AsyncIterableIterator<ExecutionResult> | readonly GraphQLError[],
): opened is readonly GraphQLError[] {
  return Array.isArray(opened);
}

function singleResult(result: ExecutionResult): AsyncIterableIterator<ExecutionResult> {
  const results = [result];
  const done = { value: undefined, done: true } as const;
  return {
    next: () => Promise.resolve(results.length > 0 ? { value: results.shift()!, done: false } : done),
    return: () => Promise.resolve(done),
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

function coded(code: string, message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code } });
}
