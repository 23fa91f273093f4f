import { nightIdsOf, type RoomStay } from '../nightLedger';
import type { ReservationDependencies } from '../dependencies';

/**
 * Whether each room can be booked for its stay: it is active and none of its nights is claimed.
 * A whole page of rooms costs two queries (their facts, then every night of every stay), not two
 * per room: the reservation subgraph is asked for `isAvailable` of a page of rooms at once.
 */
export async function availabilityOf(
  deps: Pick<ReservationDependencies, 'rooms' | 'ledger'>,
  stays: readonly RoomStay[],
): Promise<boolean[]> {
  const rooms = await deps.rooms.findMany([...new Set(stays.map((stay) => stay.roomId))]);
  const bookable = stays.filter((stay) => rooms.get(stay.roomId)?.status === 'ACTIVE');
  const taken = bookable.length > 0 ? await deps.ledger.takenOf(bookable) : new Set<string>();
  return stays.map(
    (stay) =>
      rooms.get(stay.roomId)?.status === 'ACTIVE' &&
      nightIdsOf(stay.roomId, stay.checkIn, stay.checkOut).every((night) => !taken.has(night)),
  );
}
