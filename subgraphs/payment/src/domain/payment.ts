import type { Money, PaymentStatus } from '@roombook/contracts';
import type { Versioned } from '@roombook/kernel/domain';
import type { ChargeResult, RefundResult } from '../provider/paymentProvider';

/** What the reservation saga asks for: charge this amount for this reservation, once. */
export interface AuthorizationRequest {
  /** Also the idempotency key of the charge and of its refund: one payment per reservation. */
  readonly reservationId: string;
  readonly roomId: string;
  readonly guestId: string;
  readonly hostId: string;
  readonly amount: Money;
}

export interface Payment extends AuthorizationRequest, Versioned {
  readonly status: PaymentStatus;
  /** Why the provider declined; null otherwise. */
  readonly failureReason: string | null;
  /** The provider's charge, once approved; the refund names it. */
  readonly chargeId: string | null;
  readonly refundId: string | null;
  /** The reservation was cancelled while its charge was in flight: refund as soon as it is approved. */
  readonly cancelRequested: boolean;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** The payment context's events, named for what happened to the payment. */
export type PaymentEventType = 'PaymentApproved' | 'PaymentDeclined' | 'PaymentRefundRequested' | 'PaymentRefunded';

/** One step of a change: what happened, and the payment as it stood right after it. */
export interface PaymentTransition {
  readonly type: PaymentEventType;
  readonly payment: Payment;
}

/** The new state to store, with the steps that led to it (one event each; none for internal notes). */
export interface PaymentChange {
  readonly payment: Payment;
  readonly transitions: readonly PaymentTransition[];
}

export function openPayment(request: AuthorizationRequest, id: string, now: Date): Payment {
  return {
    id,
    ...request,
    status: 'PENDING',
    failureReason: null,
    chargeId: null,
    refundId: null,
    cancelRequested: false,
    createdAt: now,
    updatedAt: now,
    version: 1,
  };
}

/**
 * Records the provider's answer to the charge. Null when the payment no longer waits for it
 * (another attempt settled it first). Approved after a cancellation goes straight on to the refund.
 */
export function settleCharge(payment: Payment, result: ChargeResult, now: Date): PaymentChange | null {
  if (payment.status !== 'PENDING') return null;
  if (result.outcome === 'declined') {
    return changeOf(step(payment, 'PaymentDeclined', { status: 'DECLINED', failureReason: result.reason }, now));
  }
  const approved = step(payment, 'PaymentApproved', { status: 'APPROVED', chargeId: result.chargeId }, now);
  if (!payment.cancelRequested) return changeOf(approved);
  return changeOf(approved, step(approved.payment, 'PaymentRefundRequested', { status: 'REFUND_PENDING' }, now));
}

/**
 * The reservation is being cancelled. Approved money goes back; a charge still in flight is
 * marked so that its approval is refunded at once. Null when there is nothing (new) to do.
 */
export function requestRefund(payment: Payment, now: Date): PaymentChange | null {
  switch (payment.status) {
    case 'PENDING':
      if (payment.cancelRequested) return null;
      // A note for the charge in flight, not a visible change: no event, and updatedAt stays.
      return { payment: { ...payment, cancelRequested: true, version: payment.version + 1 }, transitions: [] };
    case 'APPROVED':
      return changeOf(
        step(payment, 'PaymentRefundRequested', { status: 'REFUND_PENDING', cancelRequested: true }, now),
      );
    case 'DECLINED':
    case 'REFUND_PENDING':
    case 'REFUNDED':
      return null;
  }
}

/** Records the provider's refund. Null unless a refund was pending. */
export function completeRefund(payment: Payment, result: RefundResult, now: Date): PaymentChange | null {
  if (payment.status !== 'REFUND_PENDING') return null;
  return changeOf(step(payment, 'PaymentRefunded', { status: 'REFUNDED', refundId: result.refundId }, now));
}

/** The provider call a payment is waiting for, if any: what a retry after a crash must redo. */
export function awaitedProviderCall(payment: Payment): 'charge' | 'refund' | null {
  switch (payment.status) {
    case 'PENDING':
      return 'charge';
    case 'REFUND_PENDING':
      return 'refund';
    case 'APPROVED':
    case 'DECLINED':
    case 'REFUNDED':
      return null;
  }
}

/** The card token is kept (sealed) only while a charge may still have to be made, and dropped once settled. */
export function needsCardToken(payment: Payment): boolean {
  return awaitedProviderCall(payment) === 'charge';
}

function step(
  payment: Payment,
  type: PaymentEventType,
  changes: Partial<Pick<Payment, 'status' | 'failureReason' | 'chargeId' | 'refundId' | 'cancelRequested'>>,
  now: Date,
): PaymentTransition {
  return { type, payment: { ...payment, ...changes, updatedAt: now, version: payment.version + 1 } };
}

function changeOf(...transitions: [PaymentTransition, ...PaymentTransition[]]): PaymentChange {
  return { payment: transitions[transitions.length - 1].payment, transitions };
}
