import { PersistedQueryNotInList, httpStatusFor } from '@roombook/kernel';
import type { Request, RequestHandler } from 'express';
import type { OperationRequest, TrustedDocuments } from './trustedDocuments';

/**
 * Trusted documents on the HTTP path (POST and GET /graphql, and the SSE and multipart
 * subscriptions that share it), after the body is read and before anything parses the operation:
 * the request continues with the manifest's text, or is answered PERSISTED_QUERY_NOT_IN_LIST.
 */
export function trustedDocumentsMiddleware(trusted: TrustedDocuments): RequestHandler {
  return (req, res, next) => {
    if (trusted.mode === 'off') {
      next();
      return;
    }
    try {
      if (req.method === 'GET') admitSearch(req, trusted);
      else if (Array.isArray(req.body)) req.body = req.body.map((each: OperationRequest) => admitBody(each, trusted));
      else req.body = admitBody(req.body as OperationRequest, trusted);
    } catch (error) {
      if (!(error instanceof PersistedQueryNotInList)) throw error;
      res
        .status(httpStatusFor(error.code))
        .json({ errors: [{ message: error.message, extensions: { code: error.code } }] });
      return;
    }
    next();
  };
}

function admitBody(body: OperationRequest, trusted: TrustedDocuments): OperationRequest {
  return typeof body === 'object' && body !== null ? trusted.admit(body) : body;
}

/** A GET carries the operation in its query string (`extensions` as JSON): rewritten there, where the next step reads it. */
function admitSearch(req: Request, trusted: TrustedDocuments): void {
  const url = new URL(req.url, 'http://router');
  const params = url.searchParams;
  let extensions: unknown;
  try {
    extensions = params.has('extensions') ? JSON.parse(params.get('extensions')!) : undefined;
  } catch {
    extensions = undefined; // Not JSON: the next step refuses the request as malformed.
  }
  const sent = { query: params.get('query') ?? undefined, operationName: params.get('operationName'), extensions };
  const admitted = trusted.admit(sent);
  if (admitted === sent) return;
  params.set('query', admitted.query as string);
  if (!('extensions' in admitted)) params.delete('extensions');
  else params.set('extensions', JSON.stringify(admitted.extensions));
  const search = `?${params.toString()}`;
  req.url = `${url.pathname}${search}`;
  req.originalUrl = `${req.originalUrl.split('?')[0]}${search}`;
}
