import { ROOM_STATUSES, type OutboxEntry, type RoomStatus } from '@roombook/contracts';
import { withOutbox, saveVersioned, type AggregateStore, type OutboxRelay, type TotalCount } from '@roombook/kernel';
import { Schema, Types, type Connection, type Model } from 'mongoose';
import type { Room } from './domain/room';

interface RoomDocument extends Omit<Room, 'id'> {
  _id: string;
  /** Lower-cased city, so the city filter ignores case and still uses an index. */
  cityKey: string;
  outbox: OutboxEntry[];
}

const roomSchema = new Schema<RoomDocument>(
  {
    _id: { type: String, required: true },
    hostId: { type: String, required: true },
    name: { type: String, required: true },
    description: { type: String, default: null },
    city: { type: String, required: true },
    cityKey: { type: String, required: true },
    capacity: { type: Number, required: true },
    pricePerNight: { amount: { type: Number, required: true }, currency: { type: String, required: true } },
    amenities: { type: [String], default: [] },
    status: { type: String, enum: ROOM_STATUSES, required: true },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
    version: { type: Number, required: true },
  },
  { collection: 'rooms', versionKey: false },
);
roomSchema.plugin(withOutbox);
// The list's query paths, each in id order (the list order and its cursor).
roomSchema.index({ status: 1, _id: 1 });
roomSchema.index({ cityKey: 1, status: 1, _id: 1 });
roomSchema.index({ hostId: 1, status: 1, _id: 1 });

export interface RoomListFilter {
  readonly city?: string | null;
  readonly hostId?: string | null;
  readonly minCapacity?: number | null;
  readonly status: RoomStatus;
}

/** Rooms and their outbox in one document, so a change and its event are one write. */
export class RoomStore implements AggregateStore<Room> {
  private readonly rooms: Model<RoomDocument>;

  constructor(
    database: Connection,
    private readonly outbox: OutboxRelay,
  ) {
    this.rooms = database.model<RoomDocument>('Room', roomSchema);
    outbox.track(this.rooms.collection);
  }

  /** Ids sort in creation order (ObjectId hex), which is the list order and the cursor. */
  newId(): string {
    return new Types.ObjectId().toHexString();
  }

  async findById(id: string): Promise<Room | null> {
    const document = await this.rooms.findById(id, { outbox: 0 }).lean<RoomDocument>();
    return document ? toRoom(document) : null;
  }

  async findMany(ids: readonly string[]): Promise<Map<string, Room>> {
    const documents = await this.rooms.find({ _id: { $in: ids } }, { outbox: 0 }).lean<RoomDocument[]>();
    return new Map(documents.map((document) => [document._id, toRoom(document)]));
  }

  async insert(room: Room, events: readonly OutboxEntry[]): Promise<void> {
    const { id, ...fields } = room;
    await this.rooms.create({ _id: id, ...fields, cityKey: room.city.toLowerCase(), outbox: events });
    this.outbox.nudge();
  }

  async update(room: Room, expectedVersion: number, events: readonly OutboxEntry[]): Promise<boolean> {
    const { id, ...fields } = room;
    const set = { ...fields, cityKey: room.city.toLowerCase() };
    return saveVersioned(this.rooms, this.outbox, { id, expectedVersion, set, events });
  }

  async list(
    filter: RoomListFilter,
    limit: number,
    afterId: string | null,
  ): Promise<{ rooms: Room[]; totalCount: TotalCount }> {
    const query: Record<string, unknown> = { status: filter.status };
    if (filter.city) query.cityKey = filter.city.trim().toLowerCase();
    if (filter.hostId) query.hostId = filter.hostId;
    if (filter.minCapacity !== null && filter.minCapacity !== undefined) query.capacity = { $gte: filter.minCapacity };
    const documents = await this.rooms
      .find(afterId ? { ...query, _id: { $gt: afterId } } : query, { outbox: 0 })
      .sort({ _id: 1 })
      .limit(limit)
      .lean<RoomDocument[]>();
    return { rooms: documents.map(toRoom), totalCount: () => this.rooms.countDocuments(query).exec() };
  }
}

function toRoom(document: RoomDocument): Room {
  const { _id, cityKey: _cityKey, outbox: _outbox, ...room } = document;
  return { id: _id, ...room, description: room.description ?? null, amenities: room.amenities ?? [] };
}
