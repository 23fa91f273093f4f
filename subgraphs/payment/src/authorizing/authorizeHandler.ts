import { PAYMENT_AUTHORIZATION } from '@roombook/contracts';
import { internalHandler } from '@roombook/kernel';
import { chargeReservationAndWait } from '../charging/chargeReservation';
import type { PaymentDependencies } from '../dependencies';
import { PaymentStore } from '../paymentStore';

/**
 * POST /internal/payments/authorize: the synchronous leg of the booking saga. Idempotent by
 * reservation id; a charge already in flight for the reservation is awaited up to
 * `settlementWaitMs`. The card token is sealed at once and never logged. A failure answers 503:
 * the reservation stays PENDING and the saga settles from its event, or recovery does.
 */
export function authorizeHandler(deps: PaymentDependencies, settlementWaitMs: number) {
  return internalHandler(PAYMENT_AUTHORIZATION, async ({ token, ...request }, signal) => {
    try {
      const payment = await chargeReservationAndWait(deps, request, deps.sealer.seal(token), {
        maxMs: settlementWaitMs,
        signal,
      });
      return { paymentId: payment.id, status: payment.status, failureReason: payment.failureReason };
    } finally {
      // The payment's event goes out once this answer is written (setImmediate runs after the
      // response's write), so the reservation applies the answer first and the event finds it done.
      setImmediate(() => deps.store.announce(PaymentStore.idFor(request.reservationId)));
    }
  });
}
