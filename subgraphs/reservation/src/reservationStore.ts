import type { ReservationStatus } from '@roombook/contracts';
import {
  aggregateSchema,
  MONEY_FIELD,
  MongoAggregateStore,
  olderThan,
  type NewestFirstPosition,
  type OutboxRelay,
} from '@roombook/kernel';
import type { Connection } from 'mongoose';
import type { Reservation } from './domain/reservation';

const reservationSchema = aggregateSchema('reservations', {
  roomId: { type: String, required: true },
  guestId: { type: String, required: true },
  hostId: { type: String, required: true },
  checkIn: { type: String, required: true },
  checkOut: { type: String, required: true },
  nights: { type: Number, required: true },
  guests: { type: Number, required: true },
  totalPrice: MONEY_FIELD,
  status: { type: String, required: true },
  statusReason: { type: String, default: null },
  history: [{ _id: false, status: String, at: Date, reason: { type: String, default: null } }],
});
// The query paths: a guest's reservations newest first, a room's upcoming ones, sagas pending too long.
reservationSchema.index({ guestId: 1, createdAt: -1, _id: -1 });
reservationSchema.index({ roomId: 1, status: 1, checkIn: 1 });
reservationSchema.index({ status: 1, createdAt: 1 });

/** Reservations with their outbox: a status change and its event are one document write. */
export class ReservationStore extends MongoAggregateStore<Reservation> {
  constructor(database: Connection, outbox: OutboxRelay) {
    super(database, 'Reservation', reservationSchema, outbox, {
      fromStored: (reservation) => ({ ...reservation, statusReason: reservation.statusReason ?? null }),
    });
  }

  /** Newest first. */
  async listByGuest(guestId: string, limit: number, after: NewestFirstPosition | null) {
    const query = { guestId };
    const page = after ? { ...query, ...olderThan(after) } : query;
    const reservations = await this.find(page, { sort: { createdAt: -1, _id: -1 }, limit });
    return { reservations, totalCount: () => this.model.countDocuments(query).exec() };
  }

  /** Reservations of a room still to come, in the given states (for removing a room). */
  async upcomingOfRoom(
    roomId: string,
    fromDate: string,
    statuses: readonly ReservationStatus[],
  ): Promise<Reservation[]> {
    return this.find({ roomId, status: { $in: statuses }, checkIn: { $gte: fromDate } });
  }

  /** PENDING reservations created before `before` (sagas that did not settle in time). */
  countPendingSince(before: Date): Promise<number> {
    return this.model.countDocuments({ status: 'PENDING', createdAt: { $lt: before } });
  }

  async statusesOf(ids: readonly string[]): Promise<Map<string, ReservationStatus>> {
    const documents = await this.model
      .find({ _id: { $in: ids } }, { status: 1 })
      .lean<{ _id: string; status: ReservationStatus }[]>();
    return new Map(documents.map((document) => [document._id, document.status]));
  }
}
