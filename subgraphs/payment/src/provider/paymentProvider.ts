import type { Money } from '@roombook/contracts';

/**
 * The payment-provider port: what this context needs of a card processor. A repeated call with
 * the same idempotency key must return the first call's result and never move money twice;
 * that is what makes retrying after a timeout or a crash safe.
 */
export interface PaymentProvider {
  charge(charge: Charge): Promise<ChargeResult>;
  refund(refund: Refund): Promise<RefundResult>;
}

export interface Charge {
  readonly idempotencyKey: string;
  readonly amount: Money;
  /** The card token from the client; never logged, never stored in the clear. */
  readonly token: string;
}

export type ChargeResult =
  | { readonly outcome: 'approved'; readonly chargeId: string }
  | { readonly outcome: 'declined'; readonly reason: string };

export interface Refund {
  readonly idempotencyKey: string;
  readonly chargeId: string;
  readonly amount: Money;
}

export interface RefundResult {
  readonly refundId: string;
}
