import { MongoClient } from 'mongodb';
import { errorCodes } from '../../../test/support/graphqlClient';
import {
  CANCEL,
  RESERVATION,
  RESERVE,
  inDays,
  registerRoom,
  reservationStatus,
  stay,
} from '../../../test/support/booking';
import { eventually } from '../../../test/support/streams';
import { nightsOf } from '../src/domain/stay';
import { idempotentId } from '../src/reserving/reserveRoom';
import { startSystem, type TestSystem } from '../../../test/support/system';
import { tokenFor } from '../../../test/support/tokens';

let system: TestSystem;
let host: string; // hana, HOST
let guest: string; // gus, GUEST
let otherGuest: string; // eve, GUEST
let admin: string;

beforeAll(async () => {
  system = await startSystem(['room', 'payment', 'reservation']);
  [host, guest, otherGuest, admin] = await Promise.all([
    tokenFor('hana', ['HOST']),
    tokenFor('gus', ['GUEST']),
    tokenFor('eve', ['GUEST']),
    tokenFor('ada', ['ADMIN']),
  ]);
});
afterAll(() => system.stop());

async function reserve(input: Record<string, unknown>, token = guest) {
  return system.graphql(RESERVE, { input }, token);
}

const AVAILABLE = `query($id: ID!, $checkIn: Date!, $checkOut: Date!) { room(id: $id) { isAvailable(checkIn: $checkIn, checkOut: $checkOut) } }`;
async function isAvailable(roomId: string, checkIn: number, checkOut: number): Promise<boolean> {
  const response = await system.graphql(AVAILABLE, {
    id: roomId,
    checkIn: inDays(checkIn),
    checkOut: inDays(checkOut),
  });
  expect(response.errors).toBeUndefined();
  return response.data!.room.isAvailable as boolean;
}

describe('booking and paying in one step', () => {
  it('confirms a booking with an approved payment; one query spans reservation, room and payment', async () => {
    const roomId = await registerRoom(system, host);
    // Booked in the request right after registerRoom returned: the replica learns the room on first use.
    const booked = await reserve(stay(roomId, 10, 13, { guests: 2 }));
    expect(booked.errors).toBeUndefined();
    expect(booked.data!.reserveRoom).toMatchObject({
      roomId,
      guestId: 'gus',
      nights: 3,
      guests: 2,
      totalPrice: { amount: 30_000, currency: 'EUR' },
      status: 'CONFIRMED',
    });
    const id = booked.data!.reserveRoom.id as string;

    const read = await system.graphql(
      `query($id: ID!) { reservation(id: $id) { status room { id name hostId } payment { status amount { amount currency } reservation { id } } } }`,
      { id },
      guest,
    );
    expect(read.errors).toBeUndefined();
    expect(read.data!.reservation).toEqual({
      status: 'CONFIRMED',
      room: { id: roomId, name: 'Studio', hostId: 'hana' },
      payment: { status: 'APPROVED', amount: { amount: 30_000, currency: 'EUR' }, reservation: { id } },
    });
    expect(await isAvailable(roomId, 11, 12)).toBe(false);
  });

  it('lets exactly one of twelve concurrent overlapping bookings through', async () => {
    const roomId = await registerRoom(system, host);
    const attempts = await Promise.all(
      Array.from({ length: 12 }, (_, index) => reserve(stay(roomId, 20 + (index % 3), 24 + (index % 3)))),
    );
    const succeeded = attempts.filter((attempt) => attempt.data?.reserveRoom);
    expect(succeeded).toHaveLength(1);
    expect(succeeded[0].data!.reserveRoom.status).toBe('CONFIRMED');
    const failures = attempts.filter((attempt) => attempt.errors).map(errorCodes);
    expect(failures).toEqual(Array.from({ length: 11 }, () => ['ROOM_UNAVAILABLE']));
  });

  it('does not treat back-to-back stays as overlapping', async () => {
    const roomId = await registerRoom(system, host);
    expect((await reserve(stay(roomId, 30, 32))).data?.reserveRoom.status).toBe('CONFIRMED');
    expect((await reserve(stay(roomId, 32, 34))).data?.reserveRoom.status).toBe('CONFIRMED');
    expect((await reserve(stay(roomId, 28, 30))).data?.reserveRoom.status).toBe('CONFIRMED');
  });

  it('rejects a declined card with a reason and frees the nights at once', async () => {
    const roomId = await registerRoom(system, host);
    const declined = await reserve(stay(roomId, 40, 42, { paymentMethod: { token: 'tok_declined' } }));
    expect(declined.data!.reserveRoom).toMatchObject({
      status: 'REJECTED',
      statusReason: 'payment declined: card declined',
    });
    expect(declined.data!.reserveRoom.history.map((change: { status: string }) => change.status)).toEqual([
      'PENDING',
      'REJECTED',
    ]);
    expect(await isAvailable(roomId, 40, 42)).toBe(true);
    expect((await reserve(stay(roomId, 40, 42))).data?.reserveRoom.status).toBe('CONFIRMED');
    const rejected = await reservationStatus(system, declined.data!.reserveRoom.id, guest);
    expect(rejected.payment).toMatchObject({ status: 'DECLINED', failureReason: 'card declined' });
  });
});

describe('cancelling', () => {
  it('refunds a confirmed booking, ends CANCELLED, frees the nights; repeating returns it unchanged', async () => {
    const roomId = await registerRoom(system, host);
    const id = (await reserve(stay(roomId, 50, 53))).data!.reserveRoom.id as string;

    const requested = await system.graphql(CANCEL, { id, reason: 'plans changed' }, guest);
    expect(requested.data!.cancelReservation).toMatchObject({
      status: 'CANCELLATION_REQUESTED',
      statusReason: 'plans changed',
    });

    const cancelled = await eventually(
      () => reservationStatus(system, id, guest),
      (r) => r.status === 'CANCELLED',
    );
    expect(cancelled.payment.status).toBe('REFUNDED');
    expect(cancelled.history.map((change: { status: string }) => change.status)).toEqual([
      'PENDING',
      'CONFIRMED',
      'CANCELLATION_REQUESTED',
      'CANCELLED',
    ]);
    expect(await isAvailable(roomId, 50, 53)).toBe(true);

    const again = await system.graphql(CANCEL, { id }, guest);
    expect(again.data!.cancelReservation).toMatchObject({
      status: 'CANCELLED',
      updatedAt: cancelled.updatedAt,
      statusReason: 'plans changed',
    });
  });

  it("lets the room's host cancel, refuses others, and refuses a rejected booking", async () => {
    const roomId = await registerRoom(system, host);
    const id = (await reserve(stay(roomId, 60, 61))).data!.reserveRoom.id as string;
    expect(errorCodes(await system.graphql(CANCEL, { id }, otherGuest))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await system.graphql(CANCEL, { id }))).toEqual(['UNAUTHENTICATED']);
    expect((await system.graphql(CANCEL, { id }, host)).data?.cancelReservation.status).toBe('CANCELLATION_REQUESTED');

    const rejectedId = (await reserve(stay(roomId, 62, 63, { paymentMethod: { token: 'tok_declined' } }))).data!
      .reserveRoom.id;
    expect(errorCodes(await system.graphql(CANCEL, { id: rejectedId }, guest))).toEqual(['INVALID_STATE']);
    expect(errorCodes(await system.graphql(CANCEL, { id: 'no-such-reservation' }, guest))).toEqual(['NOT_FOUND']);
    expect(errorCodes(await system.graphql(CANCEL, { id: 'no-such-reservation' }))).toEqual(['UNAUTHENTICATED']);
  });

  it('refuses a cancellation reason longer than 500 characters, naming the argument and the rule', async () => {
    const roomId = await registerRoom(system, host);
    const id = (await reserve(stay(roomId, 64, 65))).data!.reserveRoom.id as string;
    const response = await system.graphql(CANCEL, { id, reason: 'x'.repeat(90_000) }, guest);
    expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
    expect(response.errors![0].message).toBe('reason must be at most 500 characters');
    expect(response.errors![0].extensions?.field).toBe('reason');
    expect((await reservationStatus(system, id, guest)).status).toBe('CONFIRMED');
  });

  it('cancels and refunds the upcoming bookings of a removed room, with reason "room removed"', async () => {
    const roomId = await registerRoom(system, host);
    const ids = [
      (await reserve(stay(roomId, 70, 72))).data!.reserveRoom.id as string,
      (await reserve(stay(roomId, 75, 76))).data!.reserveRoom.id as string,
    ];
    const removed = await system.graphql(`mutation($id: ID!) { removeRoom(id: $id) { status } }`, { id: roomId }, host);
    expect(removed.data?.removeRoom.status).toBe('REMOVED');
    // At once: the room service's own status comes with the room, no event has to reach a replica.
    expect(await isAvailable(roomId, 90, 91)).toBe(false);

    for (const id of ids) {
      const cancelled = await eventually(
        () => reservationStatus(system, id, guest),
        (r) => r.status === 'CANCELLED',
      );
      expect(cancelled).toMatchObject({ statusReason: 'room removed', payment: { status: 'REFUNDED' } });
    }
    expect(errorCodes(await reserve(stay(roomId, 80, 81)))).toEqual(['ROOM_UNAVAILABLE']);
    expect(await isAvailable(roomId, 80, 81)).toBe(false);
  });
});

describe('validation', () => {
  let roomId: string;
  beforeAll(async () => {
    roomId = await registerRoom(system, host, { capacity: 2 });
  });

  it.each([
    ['input.checkIn', { checkIn: inDays(-1), checkOut: inDays(2) }, /^input\.checkIn must be today .* or later$/],
    ['input.checkOut', { checkIn: inDays(5), checkOut: inDays(5) }, /^input\.checkOut must be after input\.checkIn$/],
    ['input.checkOut', { checkIn: inDays(5), checkOut: inDays(3) }, /^input\.checkOut must be after input\.checkIn$/],
    ['input.checkOut', { checkIn: inDays(1), checkOut: inDays(367) }, /^input\.checkOut must be at most 365 nights/],
    [
      'input.checkIn',
      { checkIn: '9999-01-01', checkOut: '9999-01-03' },
      /^input\.checkIn must be at most 730 days after today/,
    ],
    ['input.guests', { guests: 0 }, /^input\.guests must be at least 1$/],
    ['input.guests', { guests: 3 }, /^input\.guests must be between 1 and the room's capacity \(2\)$/],
  ])('rejects a bad %s with BAD_USER_INPUT naming the field', async (field, override, message) => {
    const response = await reserve({ ...stay(roomId, 1, 2), ...override });
    expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
    expect(response.errors![0].message).toMatch(message);
    expect(response.errors![0].extensions?.field).toBe(field);
  });

  it('rejects a date that is not a calendar date', async () => {
    const response = await reserve({ ...stay(roomId, 1, 2), checkIn: '2026-02-30' });
    expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
    expect(response.errors![0].message).toMatch(/checkIn/);
  });

  it('answers NOT_FOUND for a room that does not exist', async () => {
    const response = await reserve(stay('000000000000000000000000', 1, 2));
    expect(errorCodes(response)).toEqual(['NOT_FOUND']);
    expect(response.errors![0].extensions?.field).toBe('input.roomId');
  });
});

describe('who may book and see', () => {
  it('needs a GUEST to book', async () => {
    const roomId = await registerRoom(system, host);
    expect(errorCodes(await reserve(stay(roomId, 90, 91), ''))).toEqual(['UNAUTHENTICATED']);
    expect(errorCodes(await reserve(stay(roomId, 90, 91), host))).toEqual(['FORBIDDEN']);
  });

  it("shows a reservation and its payment to the guest, the room's host and ADMIN only", async () => {
    const roomId = await registerRoom(system, host);
    const id = (await reserve(stay(roomId, 92, 93))).data!.reserveRoom.id as string;
    for (const token of [guest, host, admin]) {
      expect((await system.graphql(RESERVATION, { id }, token)).data?.reservation.id).toBe(id);
    }
    expect(errorCodes(await system.graphql(RESERVATION, { id }, otherGuest))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await system.graphql(RESERVATION, { id }))).toEqual(['UNAUTHENTICATED']);
    expect((await system.graphql(RESERVATION, { id: 'missing' }, guest)).data?.reservation).toBeNull();

    const paymentId = (await reservationStatus(system, id, guest)).payment.id as string;
    const PAYMENT = `query($id: ID!) { payment(id: $id) { id status reservationId } }`;
    for (const token of [guest, host, admin]) {
      expect((await system.graphql(PAYMENT, { id: paymentId }, token)).data?.payment).toMatchObject({
        id: paymentId,
        reservationId: id,
      });
    }
    expect(errorCodes(await system.graphql(PAYMENT, { id: paymentId }, otherGuest))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await system.graphql(PAYMENT, { id: paymentId }))).toEqual(['UNAUTHENTICATED']);
  });

  it("lists the caller's own reservations, newest first, page by page", async () => {
    const roomId = await registerRoom(system, host);
    const pager = await tokenFor(`pager-${Date.now()}`, ['GUEST']);
    const ids: string[] = [];
    for (let night = 100; night < 105; night += 1)
      ids.push((await reserve(stay(roomId, night, night + 1), pager)).data!.reserveRoom.id);
    const MINE = `query($after: String) { myReservations(first: 2, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { id guestId } } } }`;
    const seen: string[] = [];
    let after: string | null = null;
    do {
      const page: Record<string, any> = (await system.graphql(MINE, { after }, pager)).data!.myReservations;
      expect(page.totalCount).toBe(5);
      seen.push(...page.edges.map((edge: { node: { id: string } }) => edge.node.id));
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
    } while (after);
    expect(seen).toEqual([...ids].reverse());
    expect(errorCodes(await system.graphql(MINE, {}))).toEqual(['UNAUTHENTICATED']);
  });
});

describe('idempotency keys', () => {
  it('returns the first reservation when the same user retries with the same key', async () => {
    const roomId = await registerRoom(system, host);
    const input = stay(roomId, 110, 112, { idempotencyKey: 'checkout-7f3a' });
    const first = (await reserve(input)).data!.reserveRoom;
    const retry = (await reserve(input)).data!.reserveRoom;
    expect(retry).toEqual(first);
    const other = await reserve(stay(roomId, 113, 114, { idempotencyKey: 'checkout-7f3a' }), otherGuest);
    expect(other.data?.reserveRoom.id).not.toBe(first.id);
  });

  it('answers twenty concurrent retries with one key with the one reservation, charged once', async () => {
    const roomId = await registerRoom(system, host);
    const mongo = await new MongoClient(system.mongoUrl).connect();
    try {
      const payment = mongo.db(`${system.dbPrefix}_payment`);
      // A few rounds: one round of twenty does not always hit the race.
      for (const round of [0, 1, 2]) {
        const input = stay(roomId, 120 + 5 * round, 123 + 5 * round, {
          idempotencyKey: `checkout-concurrent-${round}`,
        });
        const answers = await Promise.all(Array.from({ length: 20 }, () => reserve(input)));
        expect(answers.flatMap((answer) => errorCodes(answer))).toEqual([]);
        const ids = new Set(answers.map((answer) => answer.data!.reserveRoom.id as string));
        expect(ids.size).toBe(1);
        const [id] = [...ids];
        expect(await payment.collection('payments').countDocuments({ reservationId: id })).toBe(1);
        // The simulated provider's own record of money moved for it.
        const moved = await payment
          .collection<{ _id: string }>('provider_ledger')
          .find({ _id: { $regex: `:${id}$` } })
          .toArray();
        expect(moved.map((entry) => entry._id)).toEqual([`charge:${id}`]);
      }
    } finally {
      await mongo.close();
    }
  });

  it('tells a retry to come back, not that the room is taken, while another replica holds its nights unstored', async () => {
    const roomId = await registerRoom(system, host);
    const input = stay(roomId, 140, 142, { idempotencyKey: 'checkout-other-replica' });
    // Another replica claimed the nights for this very booking and has not stored it yet.
    const id = idempotentId('gus', 'checkout-other-replica');
    const mongo = await new MongoClient(system.mongoUrl).connect();
    try {
      const claims = mongo.db(`${system.dbPrefix}_reservation`).collection<{ _id: string }>('night_claims');
      await claims.insertMany(
        nightsOf(input.checkIn, input.checkOut).map((night) => ({
          _id: `${roomId}|${night}`,
          roomId,
          night,
          reservationId: id,
          attempt: 'other-replica',
          claimedAt: new Date(),
        })),
      );
      const retry = await reserve(input);
      expect(retry.errors?.map((error) => [error.extensions?.code, error.extensions?.field])).toEqual([
        ['SERVICE_UNAVAILABLE', 'input.idempotencyKey'],
      ]);
      // Someone else's booking of those nights is still ROOM_UNAVAILABLE.
      expect(errorCodes(await reserve(input, otherGuest))).toEqual(['ROOM_UNAVAILABLE']);
    } finally {
      await mongo.close();
    }
  });
});
