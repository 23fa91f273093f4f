import { NotFound, requireUser, type Identity } from '@roombook/kernel';
import type { ReservationDependencies } from '../dependencies';
import { assertMayCancel } from '../domain/access';
import { parseCancellationReason, requestCancellation, type Reservation } from '../domain/reservation';

/** PENDING or CONFIRMED: CANCELLATION_REQUESTED now; payment refunds (or voids) and CANCELLED follows from its event. */
export async function cancelReservation(
  deps: ReservationDependencies,
  identity: Identity,
  id: string,
  reason: string | null,
): Promise<Reservation> {
  requireUser(identity); // who asks comes before whether it exists
  const why = parseCancellationReason(reason);
  const reservation = await deps.store.findById(id);
  if (!reservation) throw new NotFound('Reservation', id, 'id');
  assertMayCancel(identity, reservation);
  const now = deps.clock();
  return deps.transitions.apply(id, (current) => requestCancellation(current, why ?? 'cancelled by request', now));
}
