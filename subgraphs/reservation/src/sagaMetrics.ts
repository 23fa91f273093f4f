import { Counter, Gauge, type Registry } from 'prom-client';
import type { ReservationStatus } from '@roombook/contracts';

/** A booking still PENDING after this long means its saga is stuck (payment down, or its event lost). */
export const PENDING_TOO_LONG_MS = 60_000;

/** How sagas end, and how many are stuck: what an operator looks at first when bookings hang. */
export class SagaMetrics {
  private readonly settled: Counter<'status'>;

  constructor(registry: Registry, countPendingSince: (before: Date) => Promise<number>) {
    this.settled = new Counter({
      name: 'reservations_settled_total',
      help: 'Reservations that reached CONFIRMED, REJECTED or CANCELLED',
      labelNames: ['status'],
      registers: [registry],
    });
    new Gauge({
      name: 'reservations_pending_too_long',
      help: `Reservations PENDING for more than ${PENDING_TOO_LONG_MS / 1000} s`,
      registers: [registry],
      async collect() {
        this.set(await countPendingSince(new Date(Date.now() - PENDING_TOO_LONG_MS)));
      },
    });
  }

  moved(status: ReservationStatus): void {
    if (status === 'CONFIRMED' || status === 'REJECTED' || status === 'CANCELLED') this.settled.inc({ status });
  }
}
