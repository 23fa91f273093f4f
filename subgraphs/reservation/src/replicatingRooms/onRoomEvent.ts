import { ROOM_EVENTS } from '@roombook/contracts';
import { consumerOf, today, type Clock } from '@roombook/kernel';
import { requestCancellation } from '../domain/reservation';
import type { ReservationStore } from '../reservationStore';
import { roomFactsOf, type RoomDirectory } from '../roomDirectory';
import type { ReservationTransitions } from '../transitions';

export const ROOM_REMOVED_REASON = 'room removed';

/**
 * Keeps the room replica current (it only moves forward, by the room's updatedAt); a removed
 * room's upcoming bookings are cancelled and refunded. A repeat is harmless: the replica ignores
 * facts it has, and a cancelling booking is not cancelled again.
 */
export function roomEventConsumer(
  rooms: RoomDirectory,
  store: ReservationStore,
  transitions: ReservationTransitions,
  clock: Clock,
) {
  return consumerOf({
    durable: 'reservation-rooms',
    events: ROOM_EVENTS,
    async handle(event) {
      const { room } = event.data;
      await rooms.apply(roomFactsOf(room));
      if (event.type !== 'RoomRemoved') return;
      const now = clock();
      const upcoming = await store.upcomingOfRoom(room.id, today(now), ['PENDING', 'CONFIRMED']);
      for (const reservation of upcoming) {
        await transitions.apply(
          reservation.id,
          (current) => requestCancellation(current, ROOM_REMOVED_REASON, now),
          event.id,
        );
      }
    },
  });
}
