import { MongoClient } from 'mongodb';
import { errorCodes } from '../../../test/support/graphqlClient';
import { CANCEL, RESERVE, registerRoom, reservationStatus, stay } from '../../../test/support/booking';
import { eventually, readStream } from '../../../test/support/streams';
import { startSystem, type TestSystem } from '../../../test/support/system';
import { tokenFor } from '../../../test/support/tokens';

const PAYMENT_TIMEOUT_MS = 400;
let system: TestSystem;
let mongo: MongoClient;
let host: string;
let guest: string;

beforeAll(async () => {
  system = await startSystem(['room', 'payment', 'reservation'], {
    // The circuit stays open long enough to be seen open after the request that opened it, however
    // busy the machine; the first test then waits for it to half-open.
    subgraphs: { reservation: { PAYMENT_TIMEOUT_MS: String(PAYMENT_TIMEOUT_MS), PAYMENT_CIRCUIT_RESET_MS: '5000' } },
  });
  mongo = await new MongoClient(system.mongoUrl).connect();
  [host, guest] = await Promise.all([tokenFor('hana', ['HOST']), tokenFor('gus', ['GUEST'])]);
});
afterAll(async () => {
  await mongo.close();
  await system.stop();
});

async function reserve(input: Record<string, unknown>) {
  return system.graphql(RESERVE, { input }, guest);
}

/**
 * The status a booking settles at. With payment up, reserveRoom mostly answers CONFIRMED at once;
 * but this file's short PAYMENT_TIMEOUT_MS can run out on a busy machine, and then the booking is
 * PENDING until payment's event settles it, as the contract allows.
 */
async function settledStatus(response: Awaited<ReturnType<typeof reserve>>): Promise<string> {
  expect(response.errors).toBeUndefined();
  const { id, status } = response.data!.reserveRoom as { id: string; status: string };
  if (status !== 'PENDING') return status;
  return (
    await eventually(
      () => reservationStatus(system, id, guest),
      (reservation) => reservation.status !== 'PENDING',
    )
  ).status as string;
}

/** The simulated provider's own record of money moved for a reservation. */
async function ledgerEntries(reservationId: string): Promise<string[]> {
  const ledger = mongo.db(`${system.dbPrefix}_payment`).collection<{ _id: string }>('provider_ledger');
  const entries = await ledger.find({ _id: { $in: [`charge:${reservationId}`, `refund:${reservationId}`] } }).toArray();
  return entries.map((entry) => entry._id.split(':')[0]).sort();
}

async function eventsOf(stream: string, reservationId: string) {
  return (await readStream(system.nats.url, stream)).filter(({ event }) => event.correlationId === reservationId);
}

async function circuitOpen(): Promise<boolean> {
  const metrics = await (await fetch(system.subgraph('reservation').url.replace('/graphql', '/metrics'))).text();
  return /^payment_circuit_open\{[^}]*\} 1$/m.test(metrics);
}

it('keeps booking while payment is down (answered PENDING), opens the circuit, and settles once payment is back', async () => {
  const roomId = await registerRoom(system, host);
  await system.stopSubgraph('payment');

  // How long an answer may wait for payment is the breaker's deadline, shown by state where payment
  // is slow, not down (test/tracing.e2e: answered PENDING while payment takes longer than it).
  const pending: string[] = [];
  try {
    for (let night = 1; night <= 4; night += 1) {
      const response = await reserve(stay(roomId, night, night + 1));
      expect(response.data?.reserveRoom.status).toBe('PENDING');
      pending.push(response.data!.reserveRoom.id);
    }
    expect(await circuitOpen()).toBe(true);
  } finally {
    // Whatever failed above, the file's other tests get a running payment service.
    await system.startSubgraph('payment');
  }

  for (const id of pending) {
    const settled = await eventually(
      () => reservationStatus(system, id, guest),
      (r) => r.status === 'CONFIRMED',
    );
    expect(settled.payment.status).toBe('APPROVED');
    expect(await ledgerEntries(id)).toEqual(['charge']);
    expect((await eventsOf('PAYMENTS', id)).map(({ event }) => event.type)).toEqual(['PaymentApproved']);
  }
  // Leave the next test a closed (or half-open) circuit: it resets PAYMENT_CIRCUIT_RESET_MS after opening.
  await eventually(circuitOpen, (open) => !open);
});

it('books a room it already knows while the room service is down', async () => {
  const roomId = await registerRoom(system, host);
  expect(await settledStatus(await reserve(stay(roomId, 10, 11)))).toBe('CONFIRMED');

  await system.stopSubgraph('room');
  try {
    expect(await settledStatus(await reserve(stay(roomId, 12, 13)))).toBe('CONFIRMED');
    // A room it has never seen cannot be checked while the room service is down.
    expect(errorCodes(await reserve(stay('0123456789abcdef01234567', 12, 13)))).toEqual(['SERVICE_UNAVAILABLE']);
  } finally {
    await system.startSubgraph('room');
  }
});

it('finishes every saga started while NATS was down, with no event lost or applied twice', async () => {
  const roomId = await registerRoom(system, host);
  const earlier = await reserve(stay(roomId, 20, 22));
  expect(await settledStatus(earlier)).toBe('CONFIRMED');
  const cancelledEarlier = earlier.data!.reserveRoom.id as string;

  await system.nats.stop();
  const booked = await reserve(stay(roomId, 23, 25));
  // Confirmed at once, or (payment slower than the timeout) from payment's event once NATS is back.
  expect(['CONFIRMED', 'PENDING']).toContain(booked.data?.reserveRoom.status);
  const bookedId = booked.data!.reserveRoom.id as string;
  expect((await system.graphql(CANCEL, { id: cancelledEarlier }, guest)).data?.cancelReservation.status).toBe(
    'CANCELLATION_REQUESTED',
  );
  await system.nats.start();

  const cancelled = await eventually(
    () => reservationStatus(system, cancelledEarlier, guest),
    (r) => r.status === 'CANCELLED',
  );
  expect(cancelled.payment.status).toBe('REFUNDED');
  expect(await ledgerEntries(cancelledEarlier)).toEqual(['charge', 'refund']);

  expect(await settledStatus(booked)).toBe('CONFIRMED');
  const reservationEvents = await eventually(
    () => eventsOf('RESERVATIONS', bookedId),
    (events) => events.length >= 2,
  );
  expect(reservationEvents.map(({ event }) => [event.type, event.aggregateVersion])).toEqual([
    ['ReservationRequested', 1],
    ['ReservationConfirmed', 2],
  ]);
  const sagaEvents = await eventsOf('RESERVATIONS', cancelledEarlier);
  expect(sagaEvents.map(({ event }) => event.type)).toEqual([
    'ReservationRequested',
    'ReservationConfirmed',
    'ReservationCancellationRequested',
    'ReservationCancelled',
  ]);
  const paymentEvents = await eventsOf('PAYMENTS', cancelledEarlier);
  expect(paymentEvents.map(({ event }) => event.type)).toEqual([
    'PaymentApproved',
    'PaymentRefundRequested',
    'PaymentRefunded',
  ]);
  const all = [...sagaEvents, ...paymentEvents, ...reservationEvents];
  expect(new Set(all.map(({ event }) => event.id)).size).toBe(all.length);
  const cancelledHistory = cancelled.history.map((change: { status: string }) => change.status);
  expect(cancelledHistory).toEqual(['PENDING', 'CONFIRMED', 'CANCELLATION_REQUESTED', 'CANCELLED']);
});
