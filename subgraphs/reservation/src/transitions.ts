import { NotFound, type AggregateLock } from '@roombook/kernel';
import { releasesNights, type Reservation } from './domain/reservation';
import { reservationEvent } from './events';
import type { NightLedger } from './nightLedger';
import type { ReservationStore } from './reservationStore';

const MAX_ATTEMPTS = 5;

/**
 * Moves a reservation through the saga: load, decide (pure), store the new state with its event,
 * and free the nights when the new state releases them. Every path (mutations, the synchronous
 * payment answer, payment and room events) goes through here.
 */
export class ReservationTransitions {
  constructor(
    private readonly store: ReservationStore,
    private readonly ledger: NightLedger,
    private readonly lock: AggregateLock,
  ) {}

  async apply(id: string, decide: (current: Reservation) => Reservation | null, causationId: string | null = null) {
    return this.lock.run(id, () => this.applyUnlocked(id, decide, causationId));
  }

  private async applyUnlocked(
    id: string,
    decide: (current: Reservation) => Reservation | null,
    causationId: string | null,
  ) {
    for (let attempt = 1; ; attempt += 1) {
      const current = await this.store.findById(id);
      if (!current) throw new NotFound('Reservation', id, 'id');
      const next = decide(current);
      if (!next) return current;
      if (await this.store.replace(next, current.version, reservationEvent(next, { causationId }))) {
        // After the state change, so a crash in between leaves claims the sweep frees, never a double booking.
        if (releasesNights(next.status)) await this.ledger.release(id);
        return next;
      }
      if (attempt >= MAX_ATTEMPTS) throw new Error(`Reservation ${id} kept changing concurrently`);
    }
  }
}
