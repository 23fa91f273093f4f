import { PAYMENT_EVENTS, type OutboxEntry } from '@roombook/contracts';
import type { Decision } from '@roombook/kernel';
import type { Payment, PaymentChange, PaymentTransition } from './domain/payment';

/**
 * The event a payment transition publishes. The reservation id is the correlation id (the
 * saga's); the causation id is the event that led to this one, or null when the synchronous
 * call or a retry after a crash did.
 */
export function paymentEvent({ type, payment }: PaymentTransition, causationId: string | null): OutboxEntry {
  return PAYMENT_EVENTS.create(type, {
    aggregateId: payment.id,
    aggregateVersion: payment.version,
    occurredAt: payment.updatedAt,
    correlationId: payment.reservationId,
    causationId,
    data: {
      paymentId: payment.id,
      reservationId: payment.reservationId,
      roomId: payment.roomId,
      guestId: payment.guestId,
      hostId: payment.hostId,
      amount: payment.amount,
      status: payment.status,
      failureReason: payment.failureReason,
    },
  });
}

/** A domain change as the command handler saves it: the final state, one event per visible step. */
export function decisionOf(change: PaymentChange | null, causationId: string | null): Decision<Payment> | null {
  return (
    change && {
      state: change.payment,
      events: change.transitions.map((transition) => paymentEvent(transition, causationId)),
    }
  );
}
