import { DomainError, httpStatusFor, type Identity } from '@roombook/kernel';
import type { Request, RequestHandler, Response } from 'express';
import { clientGone } from '../deadlines';
import { type OperationPipeline, RequestError, type OperationAnswer, type OperationRequest } from './operationPipeline';

export const MEDIA_TYPES = {
  graphqlResponse: 'application/graphql-response+json',
  json: 'application/json',
} as const;

/** Content types a browser form or a "simple" cross-site request can send without a CORS preflight. */
const NON_PREFLIGHTED_CONTENT_TYPES = new Set([
  'application/x-www-form-urlencoded',
  'multipart/form-data',
  'text/plain',
]);
/** Either header proves the request was made by a script allowed to set headers (hence preflighted). */
export const CSRF_PREVENTION_HEADERS = ['x-apollo-operation-name', 'apollo-require-preflight'] as const;

/**
 * GraphQL over HTTP on /graphql (POST, and GET for queries): the request's fields read and checked,
 * CSRF prevention, the caller identified, the operation run by the pipeline, and the answer in the
 * media type the client accepts, with that media type's status codes.
 */
export function graphqlHttpHandler(options: {
  readonly pipeline: OperationPipeline;
  /** The caller's identity, from the request's Authorization header. */
  readonly identify: (req: Request) => Promise<Identity>;
  /** The page a browser gets on GET /graphql (Sandbox outside production), if any. */
  readonly landingPage: (() => Promise<string>) | undefined;
}): RequestHandler {
  return (req, res, next) => {
    void handle(options, req, res).catch(next);
  };
}

async function handle(options: Parameters<typeof graphqlHttpHandler>[0], req: Request, res: Response): Promise<void> {
  // Only a GET carries anything in its query string: a POST's URL is not parsed.
  const search = req.method === 'GET' ? new URL(req.url, 'http://router').searchParams : undefined;
  if (
    search &&
    options.landingPage &&
    !search.has('query') &&
    !search.has('extensions') &&
    req.accepts([MEDIA_TYPES.json, MEDIA_TYPES.graphqlResponse, 'multipart/mixed', 'text/html']) === 'text/html'
  ) {
    res.type('html').send(await options.landingPage());
    return;
  }
  const parts = acceptsDeferParts(req);
  // A client that takes parts only is answered JSON when its operation defers nothing.
  const media = responseMedia(req) ?? (parts ? { type: MEDIA_TYPES.json, legacyJson: false } : undefined);
  try {
    if (!media) {
      throw new RequestError(
        `An 'accept' header was provided for this request which does not accept ${MEDIA_TYPES.json} or ${MEDIA_TYPES.graphqlResponse}`,
        'BAD_REQUEST',
        406,
      );
    }
    preventCsrf(req);
    const request = search ? requestOfSearch(search) : requestOfBody(req);
    const identity = await identified(() => options.identify(req));
    const answer = await options.pipeline.run(
      request,
      { identity, clientGone: clientGone(res) },
      { limits: true, allowMutation: req.method !== 'GET', incremental: parts },
    );
    if (answer.subsequent) await sendParts(res, answer);
    else send(res, media, answer);
  } catch (error) {
    if (!(error instanceof RequestError)) throw error;
    const answer = options.pipeline.refused(error);
    send(res, media ?? { type: MEDIA_TYPES.json, legacyJson: false }, answer);
  }
}

function send(res: Response, media: ResponseMedia, answer: OperationAnswer): void {
  // GraphQL over HTTP: a client that asks for application/json (a legacy client) gets 200 for a
  // request that was read but could not run (it reads the errors in the body); everyone else,
  // application/graphql-response+json or any type (*/*), the 4xx that says so.
  const status = answer.documentError && media.legacyJson ? 200 : answer.status;
  const body = JSON.stringify(answer.result);
  res.statusCode = status;
  for (const [name, value] of Object.entries(answer.headers)) res.setHeader(name, value);
  res.setHeader('content-type', `${media.type}; charset=utf-8`);
  // Written as it is, and Node's end() sets Content-Length itself: every measure of a text's UTF-8
  // length walks it (about 1 M instructions for an 87 kB answer), so it is not measured here again.
  // Encoded to bytes here (tried), each answer adds a buffer that V8 counts towards its GC. No
  // ETag either: express's send would copy each answer into a buffer and hash it for one.
  // Node's server writes no body to a HEAD request, nor measures it: its length is said here.
  if (res.req.method === 'HEAD') res.setHeader('content-length', Buffer.byteLength(body));
  res.end(body);
}

/** The multipart boundary Apollo Router uses, and Apollo Client's reader expects of deferSpec=20220824. */
const BOUNDARY = '-';
const PART_HEADER = 'content-type: application/json; charset=utf-8\r\n\r\n';

/**
 * Whether the client takes an answer in parts: its Accept names multipart/mixed with
 * deferSpec=20220824, as Apollo Client sends (`multipart/mixed;deferSpec=20220824,application/json`).
 */
function acceptsDeferParts(req: Request): boolean {
  return (req.header('accept') ?? '').split(',').some((range) => {
    const [type, ...parameters] = range.split(';').map((part) => part.trim().toLowerCase());
    return (
      type === 'multipart/mixed' &&
      parameters.some((parameter) => parameter.replace(/\s/g, '') === 'deferspec=20220824')
    );
  });
}

/** An answer in parts: multipart/mixed, each part a JSON payload written as soon as it is ready. */
async function sendParts(res: Response, answer: OperationAnswer): Promise<void> {
  res
    .status(answer.status)
    .set(answer.headers)
    .set('content-type', `multipart/mixed; boundary="${BOUNDARY}"; deferSpec=20220824`);
  // Each part is followed by the next delimiter at once: a reader knows a part is whole when it sees one.
  res.write(`\r\n--${BOUNDARY}\r\n${PART_HEADER}${JSON.stringify(answer.result)}\r\n--${BOUNDARY}`);
  for await (const part of answer.subsequent!) {
    if (res.destroyed) continue;
    res.write(`\r\n${PART_HEADER}${JSON.stringify(part)}\r\n--${BOUNDARY}`);
  }
  res.end('--\r\n');
}

interface ResponseMedia {
  readonly type: string;
  /** The client named application/json and prefers it: status 200 for GraphQL request errors. */
  readonly legacyJson: boolean;
}

/**
 * The media type of the answer: the one of the two GraphQL over HTTP defines that the client
 * prefers; application/json to a client that accepts any type or sends no Accept, as the spec says.
 */
function responseMedia(req: Request): ResponseMedia | undefined {
  const accept = req.header('accept');
  if (!accept) return { type: MEDIA_TYPES.json, legacyJson: false };
  const chosen = req.accepts([MEDIA_TYPES.json, MEDIA_TYPES.graphqlResponse]);
  if (chosen === false) return undefined;
  return { type: chosen, legacyJson: chosen === MEDIA_TYPES.json && /application\/json/i.test(accept) };
}

/**
 * Apollo's CSRF prevention: a request a browser would send cross-site without a preflight (no
 * content type, or a form's or text/plain) must carry a header only a script could set. A JSON
 * POST is preflighted anyway; a GET needs `apollo-require-preflight` (or `x-apollo-operation-name`).
 */
function preventCsrf(req: Request): void {
  const contentType = req.header('content-type');
  if (contentType !== undefined) {
    const essence = contentType.split(';')[0].trim().toLowerCase();
    if (!NON_PREFLIGHTED_CONTENT_TYPES.has(essence)) return;
  }
  if (CSRF_PREVENTION_HEADERS.some((header) => (req.header(header) ?? '').length > 0)) return;
  throw new RequestError(
    "This operation has been blocked as a potential Cross-Site Request Forgery (CSRF). Please either specify a 'content-type' header (with a type that is not one of " +
      `${[...NON_PREFLIGHTED_CONTENT_TYPES].join(', ')}) or provide a non-empty value for one of the following headers: ${CSRF_PREVENTION_HEADERS.join(', ')}`,
    'BAD_REQUEST',
    400,
  );
}

function requestOfBody(req: Request): OperationRequest {
  const body: unknown = req.body;
  if (Array.isArray(body)) throw new RequestError('Operation batching disabled.', 'BAD_REQUEST', 400);
  if (!isRecord(body) || Object.keys(body).length === 0) {
    throw new RequestError('POST body missing, invalid Content-Type, or JSON object has no keys.', 'BAD_REQUEST', 400);
  }
  const { query, operationName, variables, extensions } = body;
  if (query !== undefined && query !== null && typeof query !== 'string') {
    throw new RequestError('GraphQL queries must be strings.', 'BAD_REQUEST', 400);
  }
  if (operationName !== undefined && operationName !== null && typeof operationName !== 'string') {
    throw new RequestError('`operationName` in a POST body must be a string if provided.', 'BAD_REQUEST', 400);
  }
  if (variables !== undefined && variables !== null && !isRecord(variables)) {
    throw new RequestError('`variables` in a POST body must be an object if provided.', 'BAD_REQUEST', 400);
  }
  if (extensions !== undefined && extensions !== null && !isRecord(extensions)) {
    throw new RequestError('`extensions` in a POST body must be an object if provided.', 'BAD_REQUEST', 400);
  }
  return {
    query: query ?? undefined,
    operationName: operationName ?? undefined,
    variables: variables ?? undefined,
    extensions: extensions ?? undefined,
  };
}

function requestOfSearch(search: URLSearchParams): OperationRequest {
  return {
    query: once(search, 'query'),
    operationName: once(search, 'operationName'),
    variables: jsonOnce(search, 'variables'),
    extensions: jsonOnce(search, 'extensions'),
  };
}

function once(search: URLSearchParams, name: string): string | undefined {
  const values = search.getAll(name);
  if (values.length > 1)
    throw new RequestError(`The '${name}' search parameter may only be specified once.`, 'BAD_REQUEST', 400);
  return values[0];
}

function jsonOnce(search: URLSearchParams, name: string): Record<string, unknown> | undefined {
  const value = once(search, name);
  if (value === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new RequestError(`The ${name} search parameter contains invalid JSON.`, 'BAD_REQUEST', 400);
  }
  if (!isRecord(parsed)) {
    throw new RequestError(`The ${name} search parameter should contain a JSON-encoded object.`, 'BAD_REQUEST', 400);
  }
  return parsed;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

async function identified(identify: () => Promise<Identity>): Promise<Identity> {
  try {
    return await identify();
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    throw new RequestError(error.message, error.code, httpStatusFor(error.code));
  }
}
