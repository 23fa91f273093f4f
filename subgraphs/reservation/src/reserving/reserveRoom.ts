import { NotFound, RoomUnavailable, ServiceUnavailable, requireRole, type Identity } from '@roombook/kernel';
import { createHash } from 'node:crypto';
import { Types } from 'mongoose';
import type { ReservationDependencies } from '../dependencies';
import { confirm, paymentDeclined, requestReservation, type Reservation } from '../domain/reservation';
import { parseStayRequest, type ReserveRoomInput, type StayRequest } from '../domain/stay';
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
  if (!stay.idempotencyKey) return book(deps, guest.userId, stay, new Types.ObjectId().toHexString(), now);
  const id = idempotentId(guest.userId, stay.idempotencyKey);
  // A retry that arrives while the first attempt is still running joins it: racing it for the
  // nights would lose and answer ROOM_UNAVAILABLE for a booking that is being made (and paid).
  return deps.bookingsInFlight.join(
    id,
    async () => (await deps.store.findById(id)) ?? book(deps, guest.userId, stay, id, now),
  );
}

async function book(
  deps: ReservationDependencies,
  guestId: string,
  stay: StayRequest,
  id: string,
  now: Date,
): Promise<Reservation> {
  const room = await deps.rooms.find(stay.roomId);
  if (!room) throw new NotFound('Room', stay.roomId, 'input.roomId');
  const reservation = requestReservation(id, guestId, stay, room, now);

  const attempt = await deps.ledger.claim(room.id, stay.checkIn, stay.checkOut, id);
  if (!attempt) {
    const earlier = stay.idempotencyKey ? await sameBookingElsewhere(deps, id, stay) : null;
    if (earlier) return earlier;
    throw new RoomUnavailable(
      `Room ${room.id} is already booked for a night between ${stay.checkIn} and ${stay.checkOut}`,
    );
  }
  const event = reservationEvent(reservation, { sealedPaymentToken: deps.sealer.seal(stay.paymentToken) });
  if (!(await deps.store.insert(reservation, [event], { announce: false }))) {
    // The same idempotency key won a race a moment ago: hand back that reservation.
    await deps.ledger.releaseAttempt(attempt);
    const earlier = await deps.store.findById(id);
    if (earlier) return earlier;
    throw new Error(`Reservation ${id} could not be stored`);
  }

  const outcome = await deps.payments.authorize({
    reservationId: id,
    roomId: room.id,
    guestId,
    hostId: room.hostId,
    amount: reservation.totalPrice,
    token: stay.paymentToken,
  });
  try {
    switch (outcome.status) {
      case 'APPROVED':
        return await deps.transitions.apply(id, (current) => confirm(current, deps.clock()), null, reservation);
      case 'DECLINED':
        return await deps.transitions.apply(
          id,
          (current) => paymentDeclined(current, outcome.reason, deps.clock()),
          null,
          reservation,
        );
      case 'UNSETTLED':
        return reservation;
    }
  } finally {
    // After the answer's own write, so the relay's publishing does not queue before it.
    deps.store.announce(id);
  }
}

/**
 * The nights are taken; by this very booking, when another replica is making it with the same key
 * right now (the in-process join cannot see it). Its stored reservation is the answer; while it is
 * still between claiming and storing, the client is told to retry rather than that the room is taken.
 */
async function sameBookingElsewhere(
  deps: ReservationDependencies,
  id: string,
  stay: StayRequest,
): Promise<Reservation | null> {
  const earlier = await deps.store.findById(id);
  if (earlier) return earlier;
  if ((await deps.ledger.holdersOf(stay.roomId, stay.checkIn, stay.checkOut)).has(id)) {
    throw new ServiceUnavailable('A booking with this idempotencyKey is still being made; retry shortly', {
      field: 'input.idempotencyKey',
    });
  }
  return null;
}

/** Same user, same key: same reservation id, so a retry finds the first booking. */
export function idempotentId(guestId: string, key: string): string {
  return createHash('sha256').update(`${guestId}\u0000${key}`).digest('hex').slice(0, 24);
}
