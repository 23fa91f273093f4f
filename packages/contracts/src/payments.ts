import { z } from 'zod';
import { EventFamily, type EventOf } from './eventFamily';
import { moneySchema } from './money';

export const PAYMENT_STATUSES = ['PENDING', 'APPROVED', 'DECLINED', 'REFUND_PENDING', 'REFUNDED'] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

/** Every payment event carries the payment's facts as they now are, so no consumer needs to ask. */
export const paymentFactsSchema = z.object({
  paymentId: z.string().min(1),
  reservationId: z.string().min(1),
  roomId: z.string().min(1),
  guestId: z.string().min(1),
  hostId: z.string().min(1),
  amount: moneySchema,
  status: z.enum(PAYMENT_STATUSES),
  failureReason: z.string().nullable(),
});
export type PaymentFacts = z.output<typeof paymentFactsSchema>;

/** The payment context's published events (stream PAYMENTS), named for what happened to the payment. */
export const PAYMENT_EVENTS = new EventFamily('PAYMENTS', {
  PaymentApproved: { subject: 'payments.approved', data: paymentFactsSchema },
  PaymentDeclined: { subject: 'payments.declined', data: paymentFactsSchema },
  PaymentRefundRequested: { subject: 'payments.refund-requested', data: paymentFactsSchema },
  PaymentRefunded: { subject: 'payments.refunded', data: paymentFactsSchema },
});
export type PaymentEvent = EventOf<typeof PAYMENT_EVENTS>;
export type PaymentEventType = PaymentEvent['type'];
