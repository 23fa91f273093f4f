import { Forbidden, isAdmin, requireUser, type Identity } from '@roombook/kernel/domain';
import type { Payment } from './payment';

/**
 * A payment is seen by whoever may see its reservation: the guest, the room's host and ADMIN.
 * Signing in comes first, so an anonymous caller cannot even learn whether an id exists.
 */
export function visiblePayment(identity: Identity, payment: Payment | null): Payment | null {
  const user = requireUser(identity);
  if (!payment) return null;
  if (user.userId === payment.guestId || user.userId === payment.hostId || isAdmin(user)) return payment;
  throw new Forbidden(`Only the reservation's guest, the room's host or an ADMIN may see payment ${payment.id}`);
}
