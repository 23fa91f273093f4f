import { PAYMENT_AUTHORIZATION } from '@roombook/contracts';
import { addDays, internalHandler, today, type WarmUp } from '@roombook/kernel';
import { Types } from 'mongoose';
import type { RoomDirectory } from '../roomDirectory';

/**
 * A booking fetch as the router's planner sends it, with a wide selection: our own copy, since a
 * subgraph gets the planner's fetch, never a client's text.
 */
const RESERVE = `mutation($input: ReserveRoomInput!) { reserveRoom(input: $input) { id roomId guestId checkIn checkOut
  nights guests totalPrice { amount currency } status statusReason history { status reason at } createdAt updatedAt } }`;
/** A burst in small: overlapping stays of 1-3 nights on one room, so some are confirmed and some refused. */
const ROUNDS = 3;
const BOOKINGS_PER_ROUND = 20;

/**
 * Bookings as the router sends them, on a room of the scratch copy's own replica: claims, the
 * reservation with its event, payment's answer (a stand-in that approves: the real payment service
 * would charge and write), the confirmation, and refusals of nights already taken.
 */
export function reservationWarmUp(rooms: RoomDirectory): WarmUp {
  return {
    standIns: [
      internalHandler(PAYMENT_AUTHORIZATION, ({ reservationId }) =>
        Promise.resolve({ paymentId: `warmup-${reservationId}`, status: 'APPROVED' as const, failureReason: null }),
      ),
    ],
    async run(scratch, signal) {
      for (let round = 0; round < ROUNDS && !signal.aborted; round += 1) {
        const roomId = new Types.ObjectId().toHexString();
        await rooms.apply({
          id: roomId,
          hostId: 'warmup-host',
          capacity: 2,
          pricePerNight: { amount: 10_000, currency: 'EUR' },
          status: 'ACTIVE',
          updatedAt: new Date().toISOString(),
        });
        const answers = await Promise.all(
          Array.from({ length: BOOKINGS_PER_ROUND }, (_, index) => {
            const checkIn = 1 + ((index * 7) % 30);
            const input = {
              roomId,
              checkIn: addDays(today(), checkIn),
              checkOut: addDays(today(), checkIn + 1 + (index % 3)),
              guests: 1,
              paymentMethod: { token: 'tok_visa' },
            };
            const guest = { kind: 'user', userId: `warmup-guest-${index}`, roles: ['GUEST'] } as const;
            return scratch.graphql<{ reserveRoom: { status: string } }>(RESERVE, { input }, guest);
          }),
        );
        // Anything else means the warm-up did not go the way a booking goes: it says so (and warms less).
        const unexpected = answers.find(
          ({ data, errors }) =>
            data?.reserveRoom?.status !== 'CONFIRMED' && errors?.[0]?.extensions?.code !== 'ROOM_UNAVAILABLE',
        );
        if (unexpected) throw new Error(`unexpected answer to a warm-up booking: ${JSON.stringify(unexpected)}`);
      }
    },
  };
}
