import { z } from 'zod';
import { moneySchema } from './money';
import { PAYMENT_STATUSES } from './payments';

const reference = z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters');

/** What a charge needs to be requested at all; the same rules hold for the HTTP call and the event. */
export const chargeRequestSchema = z.object({
  /** Also the idempotency key of the charge and of its refund: one payment per reservation. */
  reservationId: reference,
  roomId: reference,
  guestId: reference,
  hostId: reference,
  amount: moneySchema,
});
export type ChargeRequest = z.output<typeof chargeRequestSchema>;

/**
 * POST /internal/payments/authorize on the payment service: the synchronous leg of the booking
 * saga. The card token travels here in the clear, over the internal network only, and is never logged.
 */
export const PAYMENT_AUTHORIZATION = {
  service: 'payment',
  path: '/internal/payments/authorize',
  request: chargeRequestSchema.extend({
    token: z.string().min(1, 'must not be empty').max(500, 'must be at most 500 characters'),
  }),
  response: z.object({
    paymentId: z.string(),
    /** APPROVED or DECLINED normally; PENDING when a charge in flight elsewhere did not settle within the wait. */
    status: z.enum(PAYMENT_STATUSES),
    failureReason: z.string().nullable(),
  }),
} as const;
export type PaymentAuthorizationRequest = z.output<typeof PAYMENT_AUTHORIZATION.request>;
export type PaymentAuthorizationResponse = z.output<typeof PAYMENT_AUTHORIZATION.response>;
