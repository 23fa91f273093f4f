import { today, type EventEnvelope } from '@roombook/kernel';
import { z } from 'zod';
import { requestCancellation } from '../domain/reservation';
import type { ReservationStore } from '../reservationStore';
import type { RoomDirectory } from '../roomDirectory';
import type { ReservationTransitions } from '../transitions';

/** What this context reads of the room context's events (each carries the whole room). */
const roomFacts = z.object({
  room: z.object({
    id: z.string(),
    hostId: z.string(),
    capacity: z.number(),
    pricePerNight: z.object({ amount: z.number(), currency: z.string() }),
    status: z.enum(['ACTIVE', 'REMOVED']),
    updatedAt: z.string(),
  }),
});

export const ROOM_REMOVED_REASON = 'room removed';

/** Keeps the room replica current; a removed room's upcoming bookings are cancelled and refunded. */
export function roomEventHandler(rooms: RoomDirectory, store: ReservationStore, transitions: ReservationTransitions) {
  return async (event: EventEnvelope): Promise<void> => {
    const { room } = roomFacts.parse(event.data);
    await rooms.apply(room);
    if (event.type !== 'RoomRemoved') return;
    const now = new Date();
    const upcoming = await store.upcomingOfRoom(room.id, today(now), ['PENDING', 'CONFIRMED']);
    for (const reservation of upcoming) {
      await transitions.apply(
        reservation.id,
        (current) => requestCancellation(current, ROOM_REMOVED_REASON, now),
        event.id,
      );
    }
  };
}
