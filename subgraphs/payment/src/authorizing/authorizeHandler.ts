import { PAYMENT_AUTHORIZATION } from '@roombook/contracts';
import { internalHandler } from '@roombook/kernel';
import { chargeReservationAndWait } from '../charging/chargeReservation';
import type { PaymentDependencies } from '../dependencies';

/**
 * POST /internal/payments/authorize: the synchronous leg of the booking saga. Idempotent by
 * reservation id; a charge already in flight for the reservation is awaited up to
 * `settlementWaitMs`. The card token is sealed at once and never logged. A failure answers 503:
 * the reservation stays PENDING and the saga settles from its event, or recovery does.
 */
export function authorizeHandler(deps: PaymentDependencies, settlementWaitMs: number) {
  return internalHandler(PAYMENT_AUTHORIZATION, async ({ token, ...request }, signal) => {
    const payment = await chargeReservationAndWait(deps, request, deps.sealer.seal(token), {
      maxMs: settlementWaitMs,
      signal,
    });
    return { paymentId: payment.id, status: payment.status, failureReason: payment.failureReason };
  });
}
