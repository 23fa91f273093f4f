import { RESERVATION_LOOKUP } from '@roombook/contracts';
import {
  ServiceUnavailable,
  isDuplicateKeyError,
  type AggregateLock,
  type Logger,
  type ServiceClient,
} from '@roombook/kernel';
import { Schema, type Connection, type Model } from 'mongoose';
import { mayStillConfirm, type ReviewableStay } from './domain/review';

interface StayDocument extends Omit<ReviewableStay, 'reservationId'> {
  _id: string;
}

const staySchema = new Schema<StayDocument>(
  {
    _id: { type: String, required: true },
    guestId: { type: String, required: true },
    roomId: { type: String, required: true },
    status: { type: String, required: true },
    version: { type: Number, required: true },
  },
  { collection: 'stays', versionKey: false },
);

/**
 * Who stayed where: a replica of reservations fed by their events. When it does not know a
 * reservation as settled yet (a review written right after the booking confirmed), the
 * reservation service is asked once, with a deadline, and the answer kept.
 */
export class StayDirectory {
  private readonly stays: Model<StayDocument>;

  constructor(
    database: Connection,
    private readonly lookup: {
      readonly client: ServiceClient;
      readonly reservationUrl: string;
      readonly timeoutMs: number;
    },
    private readonly lock: AggregateLock,
    private readonly log: Logger,
  ) {
    this.stays = database.model<StayDocument>('Stay', staySchema);
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
  async apply(stay: ReviewableStay): Promise<void> {
    const { reservationId, ...fields } = stay;
    // The event consumer and a lookup may apply facts of one reservation at once (see AggregateLock).
    await this.lock.run(`stay:${reservationId}`, async () => {
      try {
        await this.stays.updateOne(
          { _id: reservationId, version: { $lt: stay.version } },
          { $set: fields },
          { upsert: true },
        );
      } catch (error) {
        // The upsert met a replica with this version or a newer one: nothing to do.
        if (!isDuplicateKeyError(error)) throw error;
      }
    });
  }

  private async replicaOf(reservationId: string): Promise<ReviewableStay | null> {
    const document = await this.stays.findById(reservationId).lean<StayDocument>();
    if (!document) return null;
    const { _id, ...facts } = document;
    return { reservationId: _id, ...facts };
  }
}
