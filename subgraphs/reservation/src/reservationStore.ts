import type { OutboxEntry, ReservationStatus } from '@roombook/contracts';
import {
  isDuplicateKeyError,
  olderThan,
  withOutbox,
  saveVersioned,
  type AggregateStore,
  type NewestFirstPosition,
  type OutboxRelay,
} from '@roombook/kernel';
import { Schema, type Connection, type Model } from 'mongoose';
import type { Reservation } from './domain/reservation';

interface ReservationDocument extends Omit<Reservation, 'id'> {
  _id: string;
  outbox: OutboxEntry[];
}

const reservationSchema = new Schema<ReservationDocument>(
  {
    _id: { type: String, required: true },
    roomId: { type: String, required: true },
    guestId: { type: String, required: true },
    hostId: { type: String, required: true },
    checkIn: { type: String, required: true },
    checkOut: { type: String, required: true },
    nights: { type: Number, required: true },
    guests: { type: Number, required: true },
    totalPrice: { amount: { type: Number, required: true }, currency: { type: String, required: true } },
    status: { type: String, required: true },
    statusReason: { type: String, default: null },
    history: [{ _id: false, status: String, at: Date, reason: { type: String, default: null } }],
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
    version: { type: Number, required: true },
  },
  { collection: 'reservations', versionKey: false },
);
reservationSchema.plugin(withOutbox);
// The query paths: a guest's reservations newest first, a room's upcoming ones, sagas pending too long.
reservationSchema.index({ guestId: 1, createdAt: -1, _id: -1 });
reservationSchema.index({ roomId: 1, status: 1, checkIn: 1 });
reservationSchema.index({ status: 1, createdAt: 1 });

/** Reservations with their outbox: a status change and its event are one document write. */
export class ReservationStore implements AggregateStore<Reservation> {
  private readonly reservations: Model<ReservationDocument>;

  constructor(
    database: Connection,
    private readonly outbox: OutboxRelay,
  ) {
    this.reservations = database.model<ReservationDocument>('Reservation', reservationSchema);
    outbox.track(this.reservations.collection);
  }

  async findById(id: string): Promise<Reservation | null> {
    const document = await this.reservations.findById(id, { outbox: 0 }).lean<ReservationDocument>();
    return document ? toReservation(document) : null;
  }

  async findMany(ids: readonly string[]): Promise<Map<string, Reservation>> {
    const documents = await this.reservations.find({ _id: { $in: ids } }, { outbox: 0 }).lean<ReservationDocument[]>();
    return new Map(documents.map((document) => [document._id, toReservation(document)]));
  }

  /**
   * Stores a new reservation with its first event. False when the id exists already (the same
   * idempotency key, raced). The event is not announced to the relay here: the caller first gives
   * the synchronous payment call its chance, so the event path does not race it.
   */
  async insert(reservation: Reservation, event: OutboxEntry): Promise<boolean> {
    const { id, ...fields } = reservation;
    try {
      await this.reservations.create({ _id: id, ...fields, outbox: [event] });
      return true;
    } catch (error) {
      if (isDuplicateKeyError(error)) return false;
      throw error;
    }
  }

  async update(reservation: Reservation, expectedVersion: number, events: readonly OutboxEntry[]): Promise<boolean> {
    const { id, ...fields } = reservation;
    return saveVersioned(this.reservations, this.outbox, { id, expectedVersion, set: fields, events });
  }

  announce(): void {
    this.outbox.nudge();
  }

  /** Newest first. */
  async listByGuest(guestId: string, limit: number, after: NewestFirstPosition | null) {
    const query = { guestId };
    const page = after ? { ...query, ...olderThan(after) } : query;
    const documents = await this.reservations
      .find(page, { outbox: 0 })
      .sort({ createdAt: -1, _id: -1 })
      .limit(limit)
      .lean<ReservationDocument[]>();
    return {
      reservations: documents.map(toReservation),
      totalCount: () => this.reservations.countDocuments(query).exec(),
    };
  }

  /** Reservations of a room still to come, in the given states (for removing a room). */
  async upcomingOfRoom(
    roomId: string,
    fromDate: string,
    statuses: readonly ReservationStatus[],
  ): Promise<Reservation[]> {
    const documents = await this.reservations
      .find({ roomId, status: { $in: statuses }, checkIn: { $gte: fromDate } }, { outbox: 0 })
      .lean<ReservationDocument[]>();
    return documents.map(toReservation);
  }

  /** PENDING reservations created before `before` (sagas that did not settle in time). */
  countPendingSince(before: Date): Promise<number> {
    return this.reservations.countDocuments({ status: 'PENDING', createdAt: { $lt: before } });
  }

  async statusesOf(ids: readonly string[]): Promise<Map<string, ReservationStatus>> {
    const documents = await this.reservations
      .find({ _id: { $in: ids } }, { status: 1 })
      .lean<{ _id: string; status: ReservationStatus }[]>();
    return new Map(documents.map((document) => [document._id, document.status]));
  }
}

function toReservation(document: ReservationDocument): Reservation {
  const { _id, outbox: _outbox, ...reservation } = document;
  return { id: _id, ...reservation, statusReason: reservation.statusReason ?? null };
}
