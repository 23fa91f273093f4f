import type { Logger } from '@roombook/kernel';
import type { PaymentCommands } from './paymentCommands';
import type { PaymentStore } from './paymentStore';

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
    private readonly store: PaymentStore,
    private readonly payments: PaymentCommands,
    private readonly timing: RecoveryTiming,
    private readonly log: Logger,
    private readonly clock: () => Date = () => new Date(),
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
    const since = new Date(this.clock().getTime() - this.timing.staleAfterMs);
    const unfinished = await this.store.findUnfinished(since, BATCH);
    let resumed = 0;
    for (const entry of unfinished) {
      if (this.stopped) break;
      const { id, reservationId, status } = entry.payment;
      try {
        const payment = await this.payments.resume(entry);
        resumed += 1;
        this.log.info({ paymentId: id, reservationId, from: status, to: payment.status }, 'resumed unfinished payment');
      } catch (error) {
        this.log.warn({ err: error, paymentId: id, reservationId }, 'could not resume unfinished payment; will retry');
      }
    }
    return resumed;
  }

  private schedule(delayMs: number): void {
    this.timer = setTimeout(() => {
      this.round = this.resumeUnfinished()
        .then(
          () => undefined,
          (error: unknown) => this.log.warn({ err: error }, 'payment recovery round failed; will retry'),
        )
        .finally(() => {
          if (!this.stopped) this.schedule(this.timing.intervalMs);
        });
    }, delayMs);
    // Recovery alone must not keep the process alive.
    this.timer.unref();
  }
}
