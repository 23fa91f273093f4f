import type { PaymentDependencies } from '../dependencies';
import { awaitedProviderCall, completeRefund, requestRefund, type Payment } from '../domain/payment';
import { decisionOf } from '../events';

/** The reservation is being cancelled: refund what was charged. Null when it never had a payment. */
export async function refundReservation(
  deps: PaymentDependencies,
  reservationId: string,
  causationId: string | null,
): Promise<Payment | null> {
  const payment = (await deps.store.findKeyed(reservationId)) ?? (await deps.store.findByReservationId(reservationId));
  if (!payment) return null;
  const { state: current } = await deps.commands.handle(payment.id, (latest) =>
    decisionOf(requestRefund(latest, deps.clock()), causationId),
  );
  // Also finishes a refund an earlier attempt left pending.
  return awaitedProviderCall(current) === 'refund' ? refund(deps, current, causationId) : current;
}

/** The provider's refund, and its outcome recorded; also what recovery redoes after a crash. */
export async function refund(
  deps: PaymentDependencies,
  payment: Payment,
  causationId: string | null,
): Promise<Payment> {
  if (!payment.chargeId) throw new Error(`Payment ${payment.id} awaits a refund but has no charge to refund`);
  const result = await deps.provider.refund({
    idempotencyKey: payment.reservationId,
    chargeId: payment.chargeId,
    amount: payment.amount,
  });
  const { state: refunded } = await deps.commands.handle(payment.id, (latest) =>
    decisionOf(completeRefund(latest, result, deps.clock()), causationId),
  );
  deps.log.info({ paymentId: payment.id, reservationId: payment.reservationId, status: refunded.status }, 'refunded');
  return refunded;
}
