import type { CommandHandler, Logger } from '@roombook/kernel';
import { releasesNights, type Reservation } from './domain/reservation';
import { reservationEvent } from './events';
import type { NightLedger } from './nightLedger';
import type { SagaMetrics } from './sagaMetrics';

/**
 * Moves a reservation through the saga: every path (mutations, the synchronous payment answer,
 * payment and room events) goes through here, so each move stores its event and frees the nights
 * when the new state releases them.
 */
export class ReservationTransitions {
  constructor(
    private readonly commands: CommandHandler<Reservation>,
    private readonly ledger: NightLedger,
    private readonly metrics: SagaMetrics,
    private readonly log: Logger,
  ) {}

  /**
   * `transition` is a pure rule of domain/reservation.ts: the next state, or null for "nothing to do".
   * `known`: the reservation as the caller just stored it, so it is not read back (see CommandHandler).
   */
  async apply(
    id: string,
    transition: (current: Reservation) => Reservation | null,
    causationId: string | null = null,
    known?: Reservation,
  ): Promise<Reservation> {
    const { state, changed } = await this.commands.handle(
      id,
      (current) => {
        const next = transition(current);
        return next && { state: next, events: [reservationEvent(next, { causationId })] };
      },
      known,
    );
    if (!changed) return state;
    this.metrics.moved(state.status);
    // One line per step of the saga: with the trace and correlation ids, where a booking went.
    this.log.info({ reservationId: id, status: state.status, reason: state.statusReason }, 'reservation moved');
    // After the state change, so a crash in between leaves claims the sweep frees, never a double booking.
    if (releasesNights(state.status)) await this.ledger.release(id);
    return state;
  }
}
