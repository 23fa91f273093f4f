import { createEvent, toOutboxEntry, type EventEnvelope, type OutboxEntry } from '@roombook/kernel';
import type { Money, PaymentEventType, PaymentStatus, PaymentTransition } from './domain/payment';

/** The payment context's published contract: what other contexts may rely on. */
export const PAYMENT_EVENT_SUBJECTS = {
  PaymentApproved: 'payments.approved',
  PaymentDeclined: 'payments.declined',
  PaymentRefundRequested: 'payments.refund-requested',
  PaymentRefunded: 'payments.refunded',
} as const satisfies Record<PaymentEventType, string>;

/** Every payment event carries the payment's facts as they now are, so no consumer needs to ask. */
export interface PaymentEventData {
  readonly paymentId: string;
  readonly reservationId: string;
  readonly roomId: string;
  readonly guestId: string;
  readonly hostId: string;
  readonly amount: Money;
  readonly status: PaymentStatus;
  readonly failureReason: string | null;
}

export type PaymentEvent = EventEnvelope<PaymentEventType, PaymentEventData>;

/**
 * The reservation id is the correlation id (the saga's); the causation id is the event that led
 * to this one, or null when the synchronous call or a retry after a crash did.
 */
export function paymentEvent({ type, payment }: PaymentTransition, causationId: string | null): OutboxEntry {
  const event = createEvent<PaymentEventType, PaymentEventData>({
    type,
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
  return toOutboxEntry(PAYMENT_EVENT_SUBJECTS[type], event);
}
