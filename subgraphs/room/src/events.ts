import { ROOM_EVENTS, type OutboxEntry, type RoomEventType, type RoomSnapshot } from '@roombook/contracts';
import type { Room } from './domain/room';

/** The event that reports a room change, carrying the whole room as it now is. */
export function roomEvent(type: RoomEventType, room: Room, changed?: readonly string[]): OutboxEntry {
  return ROOM_EVENTS.create(type, {
    aggregateId: room.id,
    aggregateVersion: room.version,
    occurredAt: room.updatedAt,
    data: { room: snapshotOf(room), ...(changed ? { changed: [...changed] } : {}) },
  });
}

function snapshotOf(room: Room): RoomSnapshot {
  const { version: _version, createdAt, updatedAt, ...listing } = room;
  return {
    ...listing,
    amenities: [...listing.amenities],
    createdAt: createdAt.toISOString(),
    updatedAt: updatedAt.toISOString(),
  };
}
