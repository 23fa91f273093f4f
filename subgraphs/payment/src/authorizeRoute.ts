import type { Logger, Sealer } from '@roombook/kernel';
import type { Router } from 'express';
import { z } from 'zod';
import { authorizationRequestSchema, describeIssue } from './domain/authorizationRules';
import type { PaymentStatus } from './domain/payment';
import type { PaymentCommands } from './paymentCommands';

const authorizeBody = authorizationRequestSchema.extend({
  token: z.string().min(1, 'must not be empty').max(500, 'must be at most 500 characters'),
});

/** The response the reservation saga reads. */
export interface AuthorizationResponse {
  readonly paymentId: string;
  /** APPROVED or DECLINED normally; PENDING when a charge in flight elsewhere did not settle within the wait. */
  readonly status: PaymentStatus;
  readonly failureReason: string | null;
}

/**
 * POST /internal/payments/authorize: the synchronous leg of the booking saga. Idempotent by
 * reservation id; a charge already in flight for the reservation is awaited up to
 * `settlementWaitMs`. The card token is sealed at once and never logged.
 */
export function authorizeRoute(payments: PaymentCommands, sealer: Sealer, settlementWaitMs: number, log: Logger) {
  return (router: Router): void => {
    router.post('/payments/authorize', async (req, res) => {
      const parsed = authorizeBody.safeParse(req.body);
      if (!parsed.success) {
        res.status(400).json({ error: describeIssue(parsed.error) });
        return;
      }
      const { token, ...request } = parsed.data;
      const hangUp = new AbortController();
      res.on('close', () => hangUp.abort());
      const { signal } = hangUp;
      try {
        const payment = await payments.authorizeAndWait(request, sealer.seal(token), {
          maxMs: settlementWaitMs,
          signal,
        });
        const body: AuthorizationResponse = {
          paymentId: payment.id,
          status: payment.status,
          failureReason: payment.failureReason,
        };
        res.json(body);
      } catch (error) {
        // The reservation stays PENDING and the saga settles from its event, or recovery does.
        log.error({ err: error, reservationId: request.reservationId }, 'authorization failed');
        res.status(503).json({ error: 'payment could not be authorized now' });
      }
    });
  };
}
