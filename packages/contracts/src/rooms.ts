import { z } from 'zod';
import { EventFamily, type EventOf } from './eventFamily';
import { moneySchema } from './money';

export const ROOM_STATUSES = ['ACTIVE', 'REMOVED'] as const;
export type RoomStatus = (typeof ROOM_STATUSES)[number];

/** Every room event carries the whole room as it now is, so replicas never need to ask. */
export const roomSnapshotSchema = z.object({
  id: z.string().min(1),
  hostId: z.string().min(1),
  name: z.string(),
  description: z.string().nullable(),
  city: z.string(),
  capacity: z.number().int().positive(),
  pricePerNight: moneySchema,
  amenities: z.array(z.string()),
  status: z.enum(ROOM_STATUSES),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export type RoomSnapshot = z.output<typeof roomSnapshotSchema>;

const roomChanged = z.object({
  room: roomSnapshotSchema,
  /** For RoomUpdated: the listing fields that changed. */
  changed: z.array(z.string()).optional(),
});

/** The room context's published events (stream ROOMS). */
export const ROOM_EVENTS = new EventFamily('ROOMS', {
  RoomRegistered: { subject: 'rooms.registered', data: roomChanged },
  RoomUpdated: { subject: 'rooms.updated', data: roomChanged },
  RoomRemoved: { subject: 'rooms.removed', data: roomChanged },
});
export type RoomEvent = EventOf<typeof ROOM_EVENTS>;
export type RoomEventType = RoomEvent['type'];
