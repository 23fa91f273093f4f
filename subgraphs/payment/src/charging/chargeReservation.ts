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
import type { ChargeResult } from '../provider/paymentProvider';
import { PaymentStore } from '../paymentStore';
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
  // A miss by key is settled by the insert below: the unique reservationId refuses a second payment.
  const existing =
    (await deps.store.findKeyed(request.reservationId)) ??
    (sealedToken === null ? await deps.store.findByReservationId(request.reservationId) : null);
  if (existing) return existing;
  if (sealedToken === null) throw new MissingCardToken(request.reservationId);
  // Opened before anything is stored: a token that cannot be opened must not leave a payment no retry can charge.
  const token = deps.sealer.open(sealedToken);
  const payment = openPayment(request, PaymentStore.idFor(request.reservationId), deps.clock());
  if (!(await deps.store.insertWithToken(payment, sealedToken))) {
    const winner = await deps.store.findByReservationId(request.reservationId);
    if (!winner) throw new Error(`Payment for reservation ${request.reservationId} vanished after a duplicate insert`);
    return winner;
  }
  return charge(deps, payment, token, causationId);
}

/**
 * How long the synchronous leg lets the provider answer before it stores the payment PENDING.
 * A charge settled within it is stored once, already settled, with its event (one write where a
 * PENDING record and its settlement were two). A slower one is stored PENDING while it waits, so
 * that a cancellation meanwhile can mark it and recovery can find it. A crash before anything is
 * stored loses nothing either: the reservation keeps the sealed token in its ReservationRequested,
 * from which this service charges again under the same idempotency key, and the provider answers
 * a repeat with the first result.
 */
export const PENDING_AFTER_MS = 200;

/**
 * For a caller that waits for the answer (the synchronous leg of the saga). The reservation's
 * event often reaches this service while its synchronous call is still on the way, so the
 * charge may already be in flight from the event: rather than answer PENDING at once, wait a
 * bounded time for that charge to settle. Still PENDING after that (or when the caller gave up).
 * A payment it stores keeps its event until the caller's `deps.store.announce(payment id)`.
 */
export async function chargeReservationAndWait(
  deps: PaymentDependencies,
  request: AuthorizationRequest,
  sealedToken: string,
  wait: SettlementWait,
): Promise<Payment> {
  // A payment stored before ids were derived is found too: its charge may be in flight, and the
  // waiting caller must not charge again. A miss (this path's usual case) is a lookup by _id alone.
  let payment =
    (await deps.store.findOfReservation(request.reservationId)) ?? (await chargeAtOnce(deps, request, sealedToken));
  const deadline = Date.now() + wait.maxMs;
  while (awaitedProviderCall(payment) === 'charge' && Date.now() < deadline && !wait.signal?.aborted) {
    await sleep(SETTLEMENT_POLL_MS);
    payment = (await deps.store.findById(payment.id)) ?? payment;
  }
  return payment;
}

/**
 * The synchronous leg's charge of a reservation that has no payment yet: the provider is called
 * first, and the payment stored settled when it answers within PENDING_AFTER_MS, PENDING (with the
 * sealed token) as soon as it does not. A payment another caller stored meanwhile (the event path,
 * a repeat) is theirs to settle, and is returned as stored: only the caller whose insert won settles
 * a payment, because a versioned save is not atomic on FerretDB, so two processes settling one
 * payment at once could both succeed and publish its event twice (seen in a rolling update).
 */
async function chargeAtOnce(
  deps: PaymentDependencies,
  request: AuthorizationRequest,
  sealedToken: string,
): Promise<Payment> {
  const opened = openPayment(request, PaymentStore.idFor(request.reservationId), deps.clock());
  const call = deps.provider.charge({
    idempotencyKey: request.reservationId,
    amount: request.amount,
    token: deps.sealer.open(sealedToken),
  });
  const slow = new AbortController();
  const answered = await Promise.race([
    call,
    sleep(PENDING_AFTER_MS, null, { signal: slow.signal }).catch(() => null),
  ]).finally(() => slow.abort());
  if (answered === null) {
    // Awaited below, after the insert; until then a failure must not go unhandled.
    call.catch(() => undefined);
    if (!(await deps.store.insertWithToken(opened, sealedToken))) return storedPaymentOf(deps, request.reservationId);
    return settle(deps, opened, await call, null);
  }
  const settled = decisionOf(settleCharge(opened, answered, deps.clock()), null);
  if (!settled) throw new Error(`Payment for reservation ${request.reservationId} did not settle from a PENDING one`);
  // Its event waits for announce() (the caller's, once its answer is written): the reservation then
  // records the answer before the event, instead of both racing to confirm it (the loser's reads wasted).
  if (await deps.store.insert(settled.state, settled.events, { announce: false })) {
    deps.log.info(
      { paymentId: settled.state.id, reservationId: request.reservationId, status: settled.state.status },
      'charge settled',
    );
    return settled.state;
  }
  return storedPaymentOf(deps, request.reservationId);
}

async function storedPaymentOf(deps: PaymentDependencies, reservationId: string): Promise<Payment> {
  const stored = await deps.store.findByReservationId(reservationId);
  if (!stored) throw new Error(`Payment for reservation ${reservationId} vanished after a duplicate insert`);
  return stored;
}

/** The provider call itself, and its outcome recorded; also what recovery redoes after a crash. */
export async function charge(
  deps: PaymentDependencies,
  payment: Payment,
  token: string,
  causationId: string | null,
): Promise<Payment> {
  const result = await deps.provider.charge({ idempotencyKey: payment.reservationId, amount: payment.amount, token });
  return settle(deps, payment, result, causationId);
}

/** The provider's answer to the charge of a stored payment, recorded; a cancellation meanwhile is refunded at once. */
async function settle(
  deps: PaymentDependencies,
  payment: Payment,
  result: ChargeResult,
  causationId: string | null,
): Promise<Payment> {
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
