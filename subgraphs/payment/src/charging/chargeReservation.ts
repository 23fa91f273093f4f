import { setTimeout as sleep } from 'node:timers/promises';
import type { PaymentDependencies } from '../dependencies';
import {
  awaitedProviderCall,
  openPayment,
  settleCharge,
  type AuthorizationRequest,
  type Payment,
} from '../domain/payment';
import { decisionOf } from '../events';
import { refund } from '../refunding/refundReservation';

const SETTLEMENT_POLL_MS = 25;

export interface SettlementWait {
  readonly maxMs: number;
  /** Aborted when the caller hangs up: nobody is waiting any more. */
  readonly signal?: AbortSignal;
}

export class MissingCardToken extends Error {
  constructor(reservationId: string) {
    super(`No card token for reservation ${reservationId}: the charge cannot be made`);
    this.name = 'MissingCardToken';
  }
}

/**
 * Charges for a reservation once. A reservation that already has a payment gets it back as it
 * is: settled, or still PENDING while another caller's charge is in flight. Every provider call
 * is keyed by the reservation id, so repeating any step never moves money twice.
 */
export async function chargeReservation(
  deps: PaymentDependencies,
  request: AuthorizationRequest,
  sealedToken: string | null,
  causationId: string | null,
): Promise<Payment> {
  const existing = await deps.store.findByReservationId(request.reservationId);
  if (existing) return existing;
  if (sealedToken === null) throw new MissingCardToken(request.reservationId);
  // Opened before anything is stored: a token that cannot be opened must not leave a payment no retry can charge.
  const token = deps.sealer.open(sealedToken);
  const payment = openPayment(request, deps.store.newId(), deps.clock());
  if (!(await deps.store.insertWithToken(payment, sealedToken))) {
    const winner = await deps.store.findByReservationId(request.reservationId);
    if (!winner) throw new Error(`Payment for reservation ${request.reservationId} vanished after a duplicate insert`);
    return winner;
  }
  return charge(deps, payment, token, causationId);
}

/**
 * For a caller that waits for the answer (the synchronous leg of the saga). The reservation's
 * event often reaches this service while its synchronous call is still on the way, so the
 * charge may already be in flight from the event: rather than answer PENDING at once, wait a
 * bounded time for that charge to settle. Still PENDING after that (or when the caller gave up).
 */
export async function chargeReservationAndWait(
  deps: PaymentDependencies,
  request: AuthorizationRequest,
  sealedToken: string,
  wait: SettlementWait,
): Promise<Payment> {
  let payment = await chargeReservation(deps, request, sealedToken, null);
  const deadline = Date.now() + wait.maxMs;
  while (awaitedProviderCall(payment) === 'charge' && Date.now() < deadline && !wait.signal?.aborted) {
    await sleep(SETTLEMENT_POLL_MS);
    payment = (await deps.store.findById(payment.id)) ?? payment;
  }
  return payment;
}

/** The provider call itself, and its outcome recorded; also what recovery redoes after a crash. */
export async function charge(
  deps: PaymentDependencies,
  payment: Payment,
  token: string,
  causationId: string | null,
): Promise<Payment> {
  const result = await deps.provider.charge({ idempotencyKey: payment.reservationId, amount: payment.amount, token });
  // `payment` as this attempt stored or found it: not read back (a newer one fails the versioned save).
  const { state: settled } = await deps.commands.handle(
    payment.id,
    (latest) => decisionOf(settleCharge(latest, result, deps.clock()), causationId),
    payment,
  );
  deps.log.info(
    { paymentId: payment.id, reservationId: payment.reservationId, status: settled.status },
    'charge settled',
  );
  // A cancellation arrived while the charge was in flight: give the money back now.
  return awaitedProviderCall(settled) === 'refund' ? refund(deps, settled, causationId) : settled;
}
