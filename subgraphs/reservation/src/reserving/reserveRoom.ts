import { NotFound, RoomUnavailable, requireRole, type Identity } from '@roombook/kernel';
import { createHash } from 'node:crypto';
import { Types } from 'mongoose';
import type { ReservationDependencies } from '../dependencies';
import { confirm, paymentDeclined, requestReservation, type Reservation } from '../domain/reservation';
import { parseStayRequest, type ReserveRoomInput } from '../domain/stay';
import { reservationEvent } from '../events';

/**
 * Book and pay in one step: validate, claim every night atomically, store the PENDING reservation
 * with its event, then ask payment synchronously. Approved: CONFIRMED. Declined: REJECTED and the
 * nights are freed. No answer: it stays PENDING and payment settles it from the event.
 */
export async function reserveRoom(
  deps: ReservationDependencies,
  identity: Identity,
  input: ReserveRoomInput,
): Promise<Reservation> {
  const guest = requireRole(identity, 'GUEST');
  const now = deps.clock();
  const stay = parseStayRequest(input, now);
  const id = stay.idempotencyKey ? idempotentId(guest.userId, stay.idempotencyKey) : new Types.ObjectId().toHexString();
  if (stay.idempotencyKey) {
    const earlier = await deps.store.findById(id);
    if (earlier) return earlier;
  }

  const room = await deps.rooms.find(stay.roomId);
  if (!room) throw new NotFound('Room', stay.roomId, 'input.roomId');
  const reservation = requestReservation(id, guest.userId, stay, room, now);

  const attempt = await deps.ledger.claim(room.id, stay.checkIn, stay.checkOut, id);
  if (!attempt) {
    throw new RoomUnavailable(
      `Room ${room.id} is already booked for a night between ${stay.checkIn} and ${stay.checkOut}`,
    );
  }
  const event = reservationEvent(reservation, { sealedPaymentToken: deps.sealer.seal(stay.paymentToken) });
  if (!(await deps.store.insert(reservation, event))) {
    // The same idempotency key won a race a moment ago: hand back that reservation.
    await deps.ledger.releaseAttempt(attempt);
    const earlier = await deps.store.findById(id);
    if (earlier) return earlier;
    throw new Error(`Reservation ${id} could not be stored`);
  }

  const outcome = await deps.payments.authorize({
    reservationId: id,
    roomId: room.id,
    guestId: guest.userId,
    hostId: room.hostId,
    amount: reservation.totalPrice,
    token: stay.paymentToken,
  });
  deps.store.announce();
  switch (outcome.status) {
    case 'APPROVED':
      return deps.transitions.apply(id, (current) => confirm(current, deps.clock()));
    case 'DECLINED':
      return deps.transitions.apply(id, (current) => paymentDeclined(current, outcome.reason, deps.clock()));
    case 'UNSETTLED':
      return reservation;
  }
}

/** Same user, same key: same reservation id, so a retry finds the first booking. */
function idempotentId(guestId: string, key: string): string {
  return createHash('sha256').update(`${guestId}\u0000${key}`).digest('hex').slice(0, 24);
}
