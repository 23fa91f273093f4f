import type { RoomStay } from '../nightLedger';
import type { ReservationDependencies } from '../dependencies';

/** A stay asked about, with the room's status as the room service gave it along with the room. */
export interface AvailabilityQuestion extends RoomStay {
  readonly roomStatus: string;
}

/**
 * Whether each room can be booked for its stay: it is active and none of its nights is claimed.
 * A whole page of rooms costs one query of the night ledger, not one per room: the reservation
 * subgraph is asked for `isAvailable` of a page of rooms at once. Whether a room is active comes
 * with the question (the supergraph passes the room service's `status`), so it costs nothing here.
 */
export async function availabilityOf(
  deps: Pick<ReservationDependencies, 'ledger'>,
  questions: readonly AvailabilityQuestion[],
): Promise<boolean[]> {
  const bookable = questions.filter((question) => question.roomStatus === 'ACTIVE');
  const free = bookable.length > 0 ? await deps.ledger.freeOf(bookable) : [];
  let next = 0;
  return questions.map((question) => question.roomStatus === 'ACTIVE' && free[next++]);
}
