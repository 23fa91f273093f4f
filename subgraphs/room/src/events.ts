import { createEvent, toOutboxEntry, type EventEnvelope, type OutboxEntry } from '@roombook/kernel';
import type { Room } from './domain/room';

/** The room context's published contract: what other contexts may rely on. */
export const ROOM_EVENT_SUBJECTS = {
  RoomRegistered: 'rooms.registered',
  RoomUpdated: 'rooms.updated',
  RoomRemoved: 'rooms.removed',
} as const;

export type RoomEventType = keyof typeof ROOM_EVENT_SUBJECTS;

/** Every room event carries the whole room as it now is, so replicas never need to ask. */
export interface RoomSnapshot {
  readonly id: string;
  readonly hostId: string;
  readonly name: string;
  readonly description: string | null;
  readonly city: string;
  readonly capacity: number;
  readonly pricePerNight: { readonly amount: number; readonly currency: string };
  readonly amenities: readonly string[];
  readonly status: Room['status'];
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface RoomEventData {
  readonly room: RoomSnapshot;
  /** For RoomUpdated: the listing fields that changed. */
  readonly changed?: readonly string[];
}

export type RoomEvent = EventEnvelope<RoomEventType, RoomEventData>;

export function roomEvent(type: RoomEventType, room: Room, changed?: readonly string[]): OutboxEntry {
  const event = createEvent({
    type,
    aggregateId: room.id,
    aggregateVersion: room.version,
    occurredAt: room.updatedAt,
    data: { room: snapshot(room), ...(changed ? { changed } : {}) },
  });
  return toOutboxEntry(ROOM_EVENT_SUBJECTS[type], event);
}

function snapshot(room: Room): RoomSnapshot {
  const { version: _version, createdAt, updatedAt, ...listing } = room;
  return { ...listing, createdAt: createdAt.toISOString(), updatedAt: updatedAt.toISOString() };
}
