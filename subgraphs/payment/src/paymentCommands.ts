import { setTimeout as sleep } from 'node:timers/promises';
import type { AggregateLock, Logger, Sealer } from '@roombook/kernel';
import {
  awaitedProviderCall,
  completeRefund,
  openPayment,
  requestRefund,
  settleCharge,
  type AuthorizationRequest,
  type Payment,
  type PaymentChange,
} from './domain/payment';
import { paymentEvent } from './events';
import type { PaymentStore, UnfinishedPayment } from './paymentStore';
import type { PaymentProvider } from './provider/paymentProvider';

const MAX_ATTEMPTS = 5;
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
 * The payment use cases: load, decide (pure domain), store the new state with its events, and
 * call the provider. Every provider call is keyed by the reservation id, so repeating any step
 * (redelivery, a racing replica, a retry after a crash) never moves money twice.
 */
export class PaymentCommands {
  constructor(
    private readonly store: PaymentStore,
    private readonly provider: PaymentProvider,
    private readonly sealer: Sealer,
    private readonly log: Logger,
    private readonly lock: AggregateLock,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /**
   * Charges for a reservation once. A reservation that already has a payment gets it back as it
   * is: settled, or still PENDING while another caller's charge is in flight.
   */
  async authorize(
    request: AuthorizationRequest,
    sealedToken: string | null,
    causationId: string | null,
  ): Promise<Payment> {
    const existing = await this.store.findByReservationId(request.reservationId);
    if (existing) return existing;
    if (sealedToken === null) throw new MissingCardToken(request.reservationId);
    // Opened before anything is stored: a token that cannot be opened must not leave a payment no retry can charge.
    const token = this.sealer.open(sealedToken);
    const payment = openPayment(request, this.store.newId(), this.clock());
    if (!(await this.store.insert(payment, sealedToken))) {
      const winner = await this.store.findByReservationId(request.reservationId);
      if (!winner)
        throw new Error(`Payment for reservation ${request.reservationId} vanished after a duplicate insert`);
      return winner;
    }
    return this.charge(payment, token, causationId);
  }

  /**
   * For a caller that waits for the answer (the synchronous leg of the saga). The reservation's
   * event often reaches this service while its synchronous call is still on the way, so the
   * charge may already be in flight from the event: rather than answer PENDING at once, wait a
   * bounded time for that charge to settle. Still PENDING after that (or when the caller gave up).
   */
  async authorizeAndWait(request: AuthorizationRequest, sealedToken: string, wait: SettlementWait): Promise<Payment> {
    let payment = await this.authorize(request, sealedToken, null);
    const deadline = Date.now() + wait.maxMs;
    while (awaitedProviderCall(payment) === 'charge' && Date.now() < deadline && !wait.signal?.aborted) {
      await sleep(SETTLEMENT_POLL_MS);
      payment = (await this.store.findById(payment.id)) ?? payment;
    }
    return payment;
  }

  /** The reservation is being cancelled: refund what was charged. Null when it never had a payment. */
  async refundForCancellation(reservationId: string, causationId: string | null): Promise<Payment | null> {
    const payment = await this.store.findByReservationId(reservationId);
    if (!payment) return null;
    const current = await this.change(payment.id, (latest) => requestRefund(latest, this.clock()), causationId);
    // Also finishes a refund an earlier attempt left pending.
    return awaitedProviderCall(current) === 'refund' ? this.refund(current, causationId) : current;
  }

  /** Redoes the provider call of a payment whose earlier attempt was lost (a crash mid-call). */
  async resume({ payment, sealedToken }: UnfinishedPayment): Promise<Payment> {
    switch (awaitedProviderCall(payment)) {
      case 'charge':
        if (sealedToken === null) throw new MissingCardToken(payment.reservationId);
        return this.charge(payment, this.sealer.open(sealedToken), null);
      case 'refund':
        return this.refund(payment, null);
      case null:
        return payment;
    }
  }

  private async charge(payment: Payment, token: string, causationId: string | null): Promise<Payment> {
    const result = await this.provider.charge({ idempotencyKey: payment.reservationId, amount: payment.amount, token });
    const settled = await this.change(payment.id, (latest) => settleCharge(latest, result, this.clock()), causationId);
    this.log.info(
      { paymentId: payment.id, reservationId: payment.reservationId, status: settled.status },
      'charge settled',
    );
    // A cancellation arrived while the charge was in flight: give the money back now.
    return awaitedProviderCall(settled) === 'refund' ? this.refund(settled, causationId) : settled;
  }

  private async refund(payment: Payment, causationId: string | null): Promise<Payment> {
    if (!payment.chargeId) throw new Error(`Payment ${payment.id} awaits a refund but has no charge to refund`);
    const result = await this.provider.refund({
      idempotencyKey: payment.reservationId,
      chargeId: payment.chargeId,
      amount: payment.amount,
    });
    const refunded = await this.change(
      payment.id,
      (latest) => completeRefund(latest, result, this.clock()),
      causationId,
    );
    this.log.info({ paymentId: payment.id, reservationId: payment.reservationId, status: refunded.status }, 'refunded');
    return refunded;
  }

  /** Retries the decision when a concurrent change won the optimistic version check. */
  private async change(
    id: string,
    decide: (payment: Payment) => PaymentChange | null,
    causationId: string | null,
  ): Promise<Payment> {
    return this.lock.run(id, async () => {
      for (let attempt = 1; ; attempt += 1) {
        const current = await this.store.findById(id);
        if (!current) throw new Error(`Payment ${id} does not exist`);
        const decision = decide(current);
        if (!decision) return current;
        const events = decision.transitions.map((transition) => paymentEvent(transition, causationId));
        if (await this.store.replace(decision.payment, current.version, events)) return decision.payment;
        if (attempt >= MAX_ATTEMPTS) throw new Error(`Payment ${id} kept changing concurrently`);
      }
    });
  }
}
