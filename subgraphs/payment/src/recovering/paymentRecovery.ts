import { MissingCardToken, charge } from '../charging/chargeReservation';
import type { PaymentDependencies } from '../dependencies';
import { awaitedProviderCall, type Payment } from '../domain/payment';
import type { UnfinishedPayment } from '../paymentStore';
import { refund } from '../refunding/refundReservation';

export interface RecoveryTiming {
  /** How often to look for unfinished payments. */
  readonly intervalMs: number;
  /** How long a payment may wait for the provider before its attempt is taken as lost. */
  readonly staleAfterMs: number;
}

const BATCH = 50;

/**
 * Finishes what a crash interrupted: a payment left PENDING (or REFUND_PENDING) too long has its
 * provider call made again. Safe even if the first attempt is in fact still running, or another
 * replica recovers the same payment: the provider answers a repeated idempotency key with its
 * first result, and settling an already settled payment is a no-op.
 */
export class PaymentRecovery {
  private timer: NodeJS.Timeout | undefined;
  private round: Promise<void> | undefined;
  private started = false;
  private stopped = false;

  constructor(
    private readonly deps: PaymentDependencies,
    private readonly timing: RecoveryTiming,
  ) {}

  start(): void {
    if (this.started) return;
    this.started = true;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.round;
  }

  /** One pass over the unfinished payments; returns how many were resumed. */
  async resumeUnfinished(): Promise<number> {
    const since = new Date(this.deps.clock().getTime() - this.timing.staleAfterMs);
    const unfinished = await this.deps.store.findUnfinished(since, BATCH);
    let resumed = 0;
    for (const entry of unfinished) {
      if (this.stopped) break;
      const { id, reservationId, status } = entry.payment;
      try {
        const payment = await resume(this.deps, entry);
        resumed += 1;
        this.deps.log.info(
          { paymentId: id, reservationId, from: status, to: payment.status },
          'resumed unfinished payment',
        );
      } catch (error) {
        this.deps.log.warn(
          { err: error, paymentId: id, reservationId },
          'could not resume unfinished payment; will retry',
        );
      }
    }
    return resumed;
  }

  private schedule(delayMs: number): void {
    this.timer = setTimeout(() => {
      this.round = this.resumeUnfinished()
        .then(
          () => undefined,
          (error: unknown) => this.deps.log.warn({ err: error }, 'payment recovery round failed; will retry'),
        )
        .finally(() => {
          if (!this.stopped) this.schedule(this.timing.intervalMs);
        });
    }, delayMs);
    // Recovery alone must not keep the process alive.
    this.timer.unref();
  }
}

/** Redoes the provider call of a payment whose earlier attempt was lost (a crash mid-call). */
export async function resume(deps: PaymentDependencies, { payment, sealedToken }: UnfinishedPayment): Promise<Payment> {
  switch (awaitedProviderCall(payment)) {
    case 'charge':
      if (sealedToken === null) throw new MissingCardToken(payment.reservationId);
      return charge(deps, payment, deps.sealer.open(sealedToken), null);
    case 'refund':
      return refund(deps, payment, null);
    case null:
      return payment;
  }
}
