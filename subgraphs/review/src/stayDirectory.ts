import { RESERVATION_LOOKUP } from '@roombook/contracts';
import { Replica, ServiceUnavailable, type AggregateLock, type Logger, type ServiceClient } from '@roombook/kernel';
import type { Connection } from 'mongoose';
import { mayStillConfirm, type ReviewableStay } from './domain/review';

/** A stay as the replica stores it: keyed by the reservation id. */
type StayFacts = Omit<ReviewableStay, 'reservationId'> & { readonly id: string };

/**
 * Who stayed where: a replica of reservations fed by their events. When it does not know a
 * reservation as settled yet (a review written right after the booking confirmed), the
 * reservation service is asked once, with a deadline, and the answer kept.
 */
export class StayDirectory {
  private readonly stays: Replica<StayFacts>;

  constructor(
    database: Connection,
    private readonly lookup: {
      readonly client: ServiceClient;
      readonly reservationUrl: string;
      readonly timeoutMs: number;
    },
    lock: AggregateLock,
    private readonly log: Logger,
  ) {
    this.stays = new Replica<StayFacts>(database, 'stays', 'version', lock);
  }

  async find(reservationId: string): Promise<ReviewableStay | null> {
    const replica = await this.replicaOf(reservationId);
    if (!mayStillConfirm(replica)) return replica;
    let answer;
    try {
      answer = await this.lookup.client.call(
        this.lookup.reservationUrl,
        RESERVATION_LOOKUP,
        { reservationId },
        this.lookup.timeoutMs,
      );
    } catch (error) {
      this.log.warn({ err: error, reservationId }, 'reservation service did not answer about a stay');
      throw new ServiceUnavailable(
        `Reservation ${reservationId} is not known here as settled yet and the reservation service did not answer; retry later`,
      );
    }
    if (!answer.reservation) return replica;
    const { guestId, roomId, status, version } = answer.reservation;
    const stay = { reservationId, guestId, roomId, status, version };
    await this.apply(stay);
    return stay;
  }

  /** Applies facts unless the replica holds newer ones (an event may arrive after a direct lookup, or twice). */
  apply({ reservationId, ...facts }: ReviewableStay): Promise<void> {
    return this.stays.apply({ id: reservationId, ...facts });
  }

  private async replicaOf(reservationId: string): Promise<ReviewableStay | null> {
    const stay = await this.stays.find(reservationId);
    if (!stay) return null;
    const { id, ...facts } = stay;
    return { reservationId: id, ...facts };
  }
}
