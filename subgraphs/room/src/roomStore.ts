import { ROOM_STATUSES, type RoomStatus } from '@roombook/contracts';
import { aggregateSchema, MONEY_FIELD, MongoAggregateStore, type OutboxRelay, type TotalCount } from '@roombook/kernel';
import type { Connection } from 'mongoose';
import type { Room } from './domain/room';

const roomSchema = aggregateSchema('rooms', {
  hostId: { type: String, required: true },
  name: { type: String, required: true },
  description: { type: String, default: null },
  city: { type: String, required: true },
  // Lower-cased city, so the city filter ignores case and still uses an index.
  cityKey: { type: String, required: true },
  capacity: { type: Number, required: true },
  pricePerNight: MONEY_FIELD,
  amenities: { type: [String], default: [] },
  status: { type: String, enum: ROOM_STATUSES, required: true },
});
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
export class RoomStore extends MongoAggregateStore<Room> {
  constructor(database: Connection, outbox: OutboxRelay) {
    super(database, 'Room', roomSchema, outbox, {
      derived: (room) => ({ cityKey: room.city.toLowerCase() }),
      hidden: ['cityKey'],
      fromStored: (room) => ({ ...room, description: room.description ?? null, amenities: room.amenities ?? [] }),
    });
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
    const rooms = await this.find(afterId ? { ...query, _id: { $gt: afterId } } : query, { sort: { _id: 1 }, limit });
    return { rooms, totalCount: () => this.model.countDocuments(query).exec() };
  }
}
