import { NotFound, requireUser, type Identity } from '@roombook/kernel';
import { assertMayCancel } from '../domain/access';
import { requestCancellation, type Reservation } from '../domain/reservation';
import type { ReservationStore } from '../reservationStore';
import type { ReservationTransitions } from '../transitions';

/** PENDING or CONFIRMED: CANCELLATION_REQUESTED now; payment refunds (or voids) and CANCELLED follows from its event. */
export async function cancelReservation(
  store: ReservationStore,
  transitions: ReservationTransitions,
  identity: Identity,
  id: string,
  reason: string | null,
  now: Date,
): Promise<Reservation> {
  requireUser(identity); // who asks comes before whether it exists
  const reservation = await store.findById(id);
  if (!reservation) throw new NotFound('Reservation', id, 'id');
  assertMayCancel(identity, reservation);
  return transitions.apply(id, (current) => requestCancellation(current, reason ?? 'cancelled by request', now));
}
