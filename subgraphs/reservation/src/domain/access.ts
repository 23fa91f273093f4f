import { Forbidden, isAdmin, requireUser, type Identity } from '@roombook/kernel/domain';
import type { Reservation } from './reservation';

/** Guest, the room's host and ADMIN may see a reservation (and its payment). */
export function assertMaySee(identity: Identity, reservation: Reservation): void {
  if (identity.kind === 'service') return;
  const user = requireUser(identity);
  if (user.userId === reservation.guestId || user.userId === reservation.hostId || isAdmin(user)) return;
  throw new Forbidden(`Only the guest, the room's host or an ADMIN may see reservation ${reservation.id}`);
}

/** The contract: the guest or the room's host may cancel. */
export function assertMayCancel(identity: Identity, reservation: Reservation): void {
  const user = requireUser(identity);
  if (user.userId === reservation.guestId || user.userId === reservation.hostId) return;
  throw new Forbidden(`Only the guest or the room's host may cancel reservation ${reservation.id}`);
}
