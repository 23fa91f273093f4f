import { describeIssues } from '@roombook/contracts';
import express, { type Express } from 'express';
import type { z } from 'zod';
import { IDENTITY_HEADER, type InternalTokens } from '../internalToken';
import type { Logger } from '../logger';

/** A service-to-service endpoint as @roombook/contracts defines it: path, request and response schemas. */
export interface InternalEndpoint<Request, Response> {
  /** The service that serves it: the audience of the caller's identity token. */
  readonly service: string;
  readonly path: string;
  readonly request: z.ZodType<Request>;
  readonly response: z.ZodType<Response>;
}

export interface InternalHandler<Request = unknown, Response = unknown> {
  readonly endpoint: InternalEndpoint<Request, Response>;
  /** `signal` aborts when the caller hangs up: nobody waits for the answer any more. */
  handle(request: Request, signal: AbortSignal): Promise<Response>;
}

/** Infers a handler's types from its endpoint. */
export function internalHandler<Request, Response>(
  endpoint: InternalEndpoint<Request, Response>,
  handle: (request: Request, signal: AbortSignal) => Promise<Response>,
): InternalHandler<Request, Response> {
  return { endpoint, handle };
}

const MAX_BODY = '100kb';

/**
 * Mounts internal endpoints under /internal: only other services may call them (an identity token
 * of kind "service"), the body is checked against the endpoint's contract (400 naming the field),
 * and a failure is a 503 that says nothing of the cause (it is logged here).
 */
export function mountInternalHandlers(
  app: Express,
  handlers: readonly InternalHandler[],
  tokens: InternalTokens,
  log: Logger,
): void {
  const internal = express.Router();
  internal.use(express.json({ limit: MAX_BODY }), async (req, res, next) => {
    const caller = await tokens.verify(req.header(IDENTITY_HEADER)).catch(() => undefined);
    if (caller?.kind === 'service') next();
    else res.status(401).json({ error: 'only services may call /internal' });
  });
  for (const handler of handlers) {
    const { endpoint } = handler;
    internal.post(endpoint.path.replace(/^\/internal/, ''), async (req, res) => {
      const parsed = endpoint.request.safeParse(req.body);
      if (!parsed.success) {
        res.status(400).json({ error: describeIssues(parsed.error.issues) });
        return;
      }
      const hangUp = new AbortController();
      res.on('close', () => hangUp.abort());
      try {
        res.json(await handler.handle(parsed.data, hangUp.signal));
      } catch (error) {
        log.error({ err: error, path: endpoint.path }, 'internal call failed');
        res.status(503).json({ error: `${endpoint.path} could not be answered now` });
      }
    });
  }
  app.use('/internal', internal);
}
