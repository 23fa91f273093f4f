/**
 * Live updates that survive disconnection (runtime.md), over graphql-ws, through the real router,
 * subgraphs, NATS and FerretDB: every payload's cursor, resume from it on any router process
 * (after a drain, after a crash), CURSOR_EXPIRED for one the log no longer covers or that this
 * system did not issue.
 */
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { CANCEL, registerRoom, stayBooker } from '../../test/support/booking';
import { connectLive, type LiveConnection, type LiveResult, type LiveTap } from '../../test/support/liveClient';
import {
  reservationChangesAfter,
  reservationOf,
  sequenceOfCursor,
  untilReservationEventsStored,
} from '../../test/support/reservationChanges';
import { eventually, readStream } from '../../test/support/streams';
import { startSystem, type TestSystem } from '../../test/support/system';
import { tokenFor } from '../../test/support/tokens';
import { LiveCursors } from '../src/subscriptions/liveCursors';

const RESERVATION_CHANGED = `subscription($roomId: ID) {
  reservationStatusChanged(roomId: $roomId) { id guestId status }
}`;
const DASHBOARD_UPDATED = `subscription($roomId: ID) { dashboardUpdated(roomId: $roomId) { roomId reservationCounts { confirmed } } }`;

interface Change {
  readonly reservationStatusChanged: { readonly id: string; readonly guestId: string; readonly status: string };
}

let system: TestSystem;
let hana: string; // HOST of the rooms
let gus: string; // GUEST
let eve: string; // another GUEST
const open: LiveConnection[] = [];

beforeAll(async () => {
  system = await startSystem(['room', 'payment', 'reservation', 'review', 'dashboard']);
  [hana, gus, eve] = await Promise.all([
    tokenFor('hana', ['HOST']),
    tokenFor('gus', ['GUEST']),
    tokenFor('eve', ['GUEST']),
  ]);
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((connection) => connection.dispose()));
});
afterAll(() => system.stop());

function live(token: string | undefined, routerUrl = system.routerUrl): LiveConnection {
  const connection = connectLive(routerUrl, token);
  open.push(connection);
  return connection;
}

const bookStay = stayBooker(() => system, { firstNight: 60 });
const book = (roomId: string, token: string) => bookStay(roomId, token);
const cancel = async (id: string, token: string) =>
  expect((await system.graphql(CANCEL, { id }, token)).errors).toBeUndefined();

/** The router's count of active subscriptions (a subscription is registered a moment after the client sends it). */
async function untilSubscribed(count: number, routerUrl = system.routerUrl): Promise<void> {
  await eventually(
    async () => {
      const metrics = await (await fetch(routerUrl.replace(/\/graphql$/, '/metrics'))).text();
      return Number(/^live_subscriptions(?:\{[^}]*\})? (\d+)/m.exec(metrics)?.[1] ?? NaN);
    },
    (active) => active === count,
  );
}

const changes = (tap: LiveTap<Change>) =>
  tap.results.map((result) => [result.data?.reservationStatusChanged.id, result.data?.reservationStatusChanged.status]);
const cursorOf = (result: LiveResult | undefined) => result?.extensions?.cursor;
const sequenceOf = (result: LiveResult) => sequenceOfCursor(cursorOf(result)!);
const codesOf = (error: unknown) =>
  Array.isArray(error) ? error.map((item: { extensions?: { code?: string } }) => item.extensions?.code) : [];

/** Until the tap has received `count` payloads for these reservation ids (statuses as resolved). */
const untilReceived = (tap: LiveTap<Change>, predicate: (received: (string | undefined)[][]) => boolean) =>
  eventually(async () => changes(tap), predicate);

/**
 * A resume replays each changed reservation once, in its current state (`statusOf`), in the order of
 * its last change after `cursor` (a cancellation ends after the refund), each at that change's sequence.
 */
async function expectReplayed(resumed: LiveTap<Change>, cursor: string, statusOf: Record<string, string>) {
  const last = await reservationChangesAfter(system.nats.url, sequenceOfCursor(cursor), Object.keys(statusOf));
  expect(changes(resumed)).toEqual(last.map(({ id }) => [id, statusOf[id]]));
  expect(resumed.results.map(sequenceOf)).toEqual(last.map(({ sequence }) => sequence));
}

describe('cursors', () => {
  it('come with every payload: opaque, signed, increasing along the log', async () => {
    const roomId = await registerRoom(system, hana);
    const tap = live(gus).subscribe<Change>(RESERVATION_CHANGED, { roomId });
    await untilSubscribed(1);
    const { id } = await book(roomId, gus);
    await untilReceived(tap, (received) => received.length === 2);
    const cursors = tap.results.map(cursorOf);
    expect(cursors.every((cursor) => typeof cursor === 'string' && /^[\w-]+\.[\w-]+$/.test(cursor))).toBe(true);
    expect(new Set(cursors).size).toBe(2);
    expect(cursors.join()).not.toContain(id);
  });
});

describe('resume', () => {
  it('after a disconnect: exactly the changed entities the caller may see, once each in the order of their last change, then live', async () => {
    const roomId = await registerRoom(system, hana);
    const before = live(gus).subscribe<Change>(RESERVATION_CHANGED, { roomId });
    await untilSubscribed(1);
    const first = await book(roomId, gus);
    await untilReceived(before, (received) => received.length === 2);
    const cursor = cursorOf(before.results.at(-1))!;
    await Promise.all(open.splice(0).map((connection) => connection.dispose()));
    await untilSubscribed(0);

    // Five changes while gus is away: two of eve's reservation (not his to see), his first
    // reservation cancelled, his second one requested and confirmed.
    const eves = await book(roomId, eve);
    await cancel(first.id, gus);
    const second = await book(roomId, gus);
    await untilReservationEventsStored(system.nats.url, [
      ['ReservationConfirmed', eves.id],
      ['ReservationCancelled', first.id],
      ['ReservationConfirmed', second.id],
    ]);

    // Resumed on another router process: cursors mean the same on every replica.
    const other = await system.spawnRouter();
    try {
      const resumed = live(gus, other.url).subscribe<Change>(RESERVATION_CHANGED, { roomId }, undefined, {
        resumeFrom: cursor,
      });
      await untilReceived(resumed, (received) => received.length === 2);
      await expectReplayed(resumed, cursor, { [first.id]: 'CANCELLED', [second.id]: 'CONFIRMED' });
      // Then live, with nothing repeated at the seam: each later event of his reservations once, in
      // order (a cancellation is two: requested, then done after the refund).
      await cancel(second.id, gus);
      const third = await book(roomId, gus);
      await untilReservationEventsStored(system.nats.url, [
        ['ReservationCancelled', second.id],
        ['ReservationConfirmed', third.id],
      ]);
      const stored = await readStream(system.nats.url, 'RESERVATIONS');
      const confirmedAt = stored.find(
        ({ event }) => event.type === 'ReservationConfirmed' && reservationOf(event) === second.id,
      )!.sequence;
      const later = stored
        .filter(
          ({ sequence, event }) =>
            (reservationOf(event) === second.id && sequence > confirmedAt) || reservationOf(event) === third.id,
        )
        .map(({ sequence }) => sequence);
      await untilReceived(resumed, (received) => received.length >= 2 + later.length);
      expect(resumed.results.slice(2).map(sequenceOf)).toEqual(later);
      expect(resumed.results.every((result) => result.errors === undefined)).toBe(true);
      // Resuming from the last cursor of the resumed subscription: nothing left to replay.
      const again = live(gus, other.url).subscribe<Change>(RESERVATION_CHANGED, { roomId }, undefined, {
        resumeFrom: cursorOf(resumed.results.at(-1)),
      });
      await untilSubscribed(2, other.url);
      const fourth = await book(roomId, gus);
      await untilReservationEventsStored(system.nats.url, [['ReservationConfirmed', fourth.id]]);
      const fourths = (await readStream(system.nats.url, 'RESERVATIONS'))
        .filter(({ event }) => reservationOf(event) === fourth.id)
        .map(({ sequence }) => sequence);
      // Until the confirmation itself has arrived (a replayed PENDING-then-confirmed booking is
      // already CONFIRMED when the replay reads it, before its live confirmation follows).
      await eventually(
        async () => again.results.map(sequenceOf),
        (sequences) => sequences.includes(fourths.at(-1)!),
      );
      expect(changes(again).every(([id]) => id === fourth.id)).toBe(true);
      // Each of its changes once, in order: the booking may be registered before or after the
      // stream's end was read for the (empty) replay, so its request comes live or replayed, or,
      // read after its confirmation, its one replayed entity is the confirmation.
      const sequences = again.results.map(sequenceOf);
      expect(sequences).toEqual(fourths.filter((sequence) => sequence >= sequences[0]));
    } finally {
      await other.stop();
    }
  });

  it('from a router killed with SIGKILL, on another router process, without a missed change', async () => {
    const roomId = await registerRoom(system, hana);
    const doomed = await system.spawnRouter();
    let cursor = '';
    try {
      const tap = live(gus, doomed.url).subscribe<Change>(RESERVATION_CHANGED, { roomId });
      await untilSubscribed(1, doomed.url);
      const first = await book(roomId, gus);
      await untilReceived(tap, (received) => received.length === 2);
      cursor = cursorOf(tap.results.at(-1))!;
      await doomed.kill();
      expect((await tap.ended).completed).toBe(false);

      await cancel(first.id, gus);
      const second = await book(roomId, gus);
      await untilReservationEventsStored(system.nats.url, [
        ['ReservationCancelled', first.id],
        ['ReservationConfirmed', second.id],
      ]);
      const resumed = live(gus).subscribe<Change>(RESERVATION_CHANGED, { roomId }, undefined, { resumeFrom: cursor });
      await untilReceived(resumed, (received) => received.length === 2);
      await expectReplayed(resumed, cursor, { [first.id]: 'CANCELLED', [second.id]: 'CONFIRMED' });
    } finally {
      await doomed.kill();
    }
  });

  it('through a drain (SIGTERM): told to reconnect with 1001, resumed on another router', async () => {
    const roomId = await registerRoom(system, hana);
    const draining = await system.spawnRouter();
    let stopped = false;
    try {
      const connection = live(gus, draining.url);
      const tap = connection.subscribe<Change>(RESERVATION_CHANGED, { roomId });
      await untilSubscribed(1, draining.url);
      const first = await book(roomId, gus);
      await untilReceived(tap, (received) => received.length === 2);
      const stopping = draining.stop();
      expect((await connection.closed).code).toBe(1001);
      // Changed while the subscriber reconnects.
      await cancel(first.id, gus);
      await untilReservationEventsStored(system.nats.url, [['ReservationCancelled', first.id]]);
      const resumed = live(gus).subscribe<Change>(RESERVATION_CHANGED, { roomId }, undefined, {
        resumeFrom: cursorOf(tap.results.at(-1)),
      });
      await untilReceived(resumed, (received) => received.length === 1);
      expect(changes(resumed)).toEqual([[first.id, 'CANCELLED']]);
      await stopping;
      stopped = true;
    } finally {
      if (!stopped) await draining.stop();
    }
  });
});

describe('CURSOR_EXPIRED', () => {
  it('for a cursor this system did not issue, or issued for another subscription field', async () => {
    const roomId = await registerRoom(system, hana);
    const tap = live(gus).subscribe<Change>(RESERVATION_CHANGED, { roomId });
    await untilSubscribed(1);
    await book(roomId, gus);
    await untilReceived(tap, (received) => received.length === 2);
    const cursor = cursorOf(tap.results.at(-1))!;
    const [body, mac] = cursor.split('.');
    const forgedBody = Buffer.from(
      Buffer.from(body, 'base64url')
        .toString()
        .replace(/:(\d+):/, ':1:'),
    ).toString('base64url');
    for (const forged of [`${forgedBody}.${mac}`, 'not-a-cursor', `${body}.${'A'.repeat(43)}`]) {
      const refused = await live(gus).subscribe(RESERVATION_CHANGED, { roomId }, undefined, { resumeFrom: forged })
        .ended;
      expect(refused.completed).toBe(false);
      expect(codesOf(refused.error)).toEqual(['CURSOR_EXPIRED']);
    }
    const elsewhere = await live(hana).subscribe(DASHBOARD_UPDATED, { roomId }, undefined, { resumeFrom: cursor })
      .ended;
    expect(codesOf(elsewhere.error)).toEqual(['CURSOR_EXPIRED']);
  });

  it('for a cursor older than LIVE_RESUME_WINDOW_S, or than what the stream still keeps', async () => {
    const secret = 'a-cursor-secret-this-test-shares-0123456789';
    const router = await system.spawnRouter({ LIVE_CURSOR_SECRET: secret, LIVE_RESUME_WINDOW_S: '3600' });
    try {
      const roomId = await registerRoom(system, hana);
      // Issued by this system (the test holds the router's key), but two hours old.
      const old = new LiveCursors(secret).issue({ stream: 'RESERVATIONS', sequence: 1, time: Date.now() - 7_200_000 });
      const tooOld = await live(gus, router.url).subscribe(RESERVATION_CHANGED, { roomId }, undefined, {
        resumeFrom: old,
      }).ended;
      expect(codesOf(tooOld.error)).toEqual(['CURSOR_EXPIRED']);

      // The dashboard's signals are kept for a day: once they are gone, a cursor before them is too old.
      const tap = live(hana, router.url).subscribe(DASHBOARD_UPDATED, { roomId });
      await untilSubscribed(1, router.url);
      await book(roomId, gus);
      await eventually(
        async () => tap.results.length,
        (count) => count >= 1,
      );
      const seen = tap.results.length;
      const cursor = cursorOf(tap.results.at(-1));
      await book(roomId, gus);
      await eventually(
        async () => tap.results.length,
        (count) => count > seen,
      );
      const connection = await connect({ servers: system.nats.url });
      try {
        await (await jetstreamManager(connection)).streams.purge('DASHBOARD');
      } finally {
        await connection.close();
      }
      const purged = await live(hana, router.url).subscribe(DASHBOARD_UPDATED, { roomId }, undefined, {
        resumeFrom: cursor,
      }).ended;
      expect(codesOf(purged.error)).toEqual(['CURSOR_EXPIRED']);
    } finally {
      await router.stop();
    }
  });
});
