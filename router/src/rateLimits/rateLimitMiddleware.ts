import { ANONYMOUS, RateLimited, httpStatusFor } from '@roombook/kernel';
import type { RequestHandler } from 'express';
import { callerOf, type UserAuthenticator } from '../authentication';
import { callerKey, type RateLimiter } from './rateLimiter';
import type { BucketLimits } from './tokenBucket';

/**
 * Per-caller rate limits on the HTTP path (queries, mutations, SSE and multipart subscriptions),
 * after the caller is known: a signed-in caller by its JWT subject, anyone else (no token, or one
 * the next step will refuse) by its address. Over its share: 429, RATE_LIMITED, Retry-After.
 */
export function rateLimitMiddleware(
  limiter: RateLimiter,
  limits: BucketLimits,
  authenticator: UserAuthenticator,
): RequestHandler {
  return async (req, res, next) => {
    const identity = await callerOf(req, authenticator).catch(() => ANONYMOUS);
    const decision = await limiter.take(
      callerKey({
        userId: identity.kind === 'user' ? identity.userId : undefined,
        address: req.ip ?? req.socket.remoteAddress ?? 'unknown',
      }),
    );
    if (decision.allowed) {
      next();
      return;
    }
    const error = new RateLimited(
      `This caller sent more than its share: ${limits.ratePerSecond} operations per second, bursts of ${limits.burst} ` +
        `(RATE_LIMIT_PER_SECOND, RATE_LIMIT_BURST); retry after ${decision.retryAfterSeconds} s`,
      decision.retryAfterSeconds,
    );
    res
      .status(httpStatusFor(error.code))
      .set('retry-after', String(error.retryAfterSeconds))
      .json({ errors: [{ message: error.message, extensions: { code: error.code } }] });
  };
}
