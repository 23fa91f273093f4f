import { CANCEL, registerRoom, stayBooker } from '../../test/support/booking';
import { connectLive, type LiveConnection, type LiveTap } from '../../test/support/liveClient';
import { HEAVY_ROOM_CHANGED, publishRoomRenames } from '../../test/support/roomUpdates';
import { eventually } from '../../test/support/streams';
import { startSystem, type TestSystem } from '../../test/support/system';
import { tokenFor } from '../../test/support/tokens';

const RESERVATION_CHANGED = `subscription($roomId: ID, $reservationId: ID) {
  reservationStatusChanged(roomId: $roomId, reservationId: $reservationId) {
    id guestId status payment { status amount { amount } } room { id name }
  }
}`;
const PAYMENT_CHANGED = `subscription($reservationId: ID) {
  paymentStatusChanged(reservationId: $reservationId) { status reservation { id status } }
}`;
const ROOM_CHANGED = `subscription($roomId: ID) { roomChanged(roomId: $roomId) { id name reviewCount } }`;
const DASHBOARD_UPDATED = `subscription($roomId: ID) {
  dashboardUpdated(roomId: $roomId) { roomId reservationCounts { confirmed } room { name reviewCount } }
}`;
const UPDATE_ROOM = `mutation($id: ID!, $name: String!) { updateRoom(id: $id, input: { name: $name }) { id } }`;

let system: TestSystem;
let hana: string; // HOST
let omar: string; // another HOST
let gus: string; // GUEST
let eve: string; // GUEST
const open: LiveConnection[] = [];

beforeAll(async () => {
  system = await startSystem(['room', 'payment', 'reservation', 'review', 'dashboard'], {
    router: {
      MAX_SUBSCRIPTIONS_PER_CONNECTION: '3',
      MAX_QUEUED_EVENTS_PER_SUBSCRIPTION: '5',
      SUBSCRIPTION_KEEPALIVE_MS: '300',
    },
  });
  [hana, omar, gus, eve] = await Promise.all([
    tokenFor('hana', ['HOST']),
    tokenFor('omar', ['HOST']),
    tokenFor('gus', ['GUEST']),
    tokenFor('eve', ['GUEST']),
  ]);
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((connection) => connection.dispose()));
});
afterAll(() => system.stop());

function live(token?: string, routerUrl = system.routerUrl): LiveConnection {
  const connection = connectLive(routerUrl, token);
  open.push(connection);
  return connection;
}

/** The router's count of active subscriptions (a subscription is registered a moment after the client sends it). */
async function activeSubscriptions(routerUrl = system.routerUrl): Promise<number> {
  const metrics = await (await fetch(routerUrl.replace(/\/graphql$/, '/metrics'))).text();
  return Number(/^live_subscriptions(?:\{[^}]*\})? (\d+)/m.exec(metrics)?.[1] ?? NaN);
}
async function metric(name: string, labels: string, routerUrl = system.routerUrl): Promise<number> {
  const metrics = await (await fetch(routerUrl.replace(/\/graphql$/, '/metrics'))).text();
  const line = metrics.split('\n').find((row) => row.startsWith(`${name}{`) && row.includes(labels));
  return Number(line?.split(' ').at(-1) ?? 0);
}
const untilSubscribed = (count: number, routerUrl = system.routerUrl) =>
  eventually(
    () => activeSubscriptions(routerUrl),
    (active) => active === count,
  );

const bookStay = stayBooker(() => system, { firstNight: 40 });
const book = (roomId: string, token = gus, card = 'tok_visa') => bookStay(roomId, token, { card });

const lastOf = <T>(tap: LiveTap<T>) => tap.results.at(-1);

describe('reservationStatusChanged', () => {
  it("pushes every status change with the payment's and the room's fields", async () => {
    const roomId = await registerRoom(system, hana, { name: 'Harbour loft' });
    const tap = live(gus).subscribe(RESERVATION_CHANGED, { roomId });
    await untilSubscribed(1);
    const { id } = await book(roomId);
    // Requested, then confirmed: one payload per status change, each as it stood at or after that change.
    await eventually(
      async () => tap.results.length,
      (count) => count === 2,
    );
    expect(lastOf(tap)!.data!.reservationStatusChanged).toMatchObject({
      status: 'CONFIRMED',
      payment: { status: 'APPROVED', amount: { amount: 20_000 } },
    });
    for (const result of tap.results) {
      expect(result.errors).toBeUndefined();
      expect(result.data!.reservationStatusChanged).toMatchObject({
        id,
        guestId: 'gus',
        room: { id: roomId, name: 'Harbour loft' },
      });
    }

    await system.graphql(CANCEL, { id }, gus);
    await eventually(
      async () => lastOf(tap)?.data?.reservationStatusChanged.status,
      (status) => status === 'CANCELLED',
    );
    expect(lastOf(tap)!.data!.reservationStatusChanged.payment.status).toBe('REFUNDED');
  });

  it("never sends a guest another guest's reservation; sends the host every one of their room's", async () => {
    const roomId = await registerRoom(system, hana);
    const eves = live(eve).subscribe(RESERVATION_CHANGED);
    const hanas = live(hana).subscribe(RESERVATION_CHANGED, { roomId });
    await untilSubscribed(2);
    const gusBooking = await book(roomId, gus);
    const eveBooking = await book(roomId, eve);
    // Events of one stream arrive in order: once eve has her own, gus's would have come before.
    await eventually(
      async () => eves.results.map((result) => result.data?.reservationStatusChanged.status),
      (statuses) => statuses.includes('CONFIRMED'),
    );
    expect(new Set(eves.results.map((result) => result.data!.reservationStatusChanged.id))).toEqual(
      new Set([eveBooking.id]),
    );
    await eventually(
      async () => new Set(hanas.results.map((result) => result.data?.reservationStatusChanged.id)),
      (ids) => ids.has(gusBooking.id) && ids.has(eveBooking.id),
    );
  });

  it('filters by reservation and by room before anything is asked', async () => {
    const [roomA, roomB] = [await registerRoom(system, hana), await registerRoom(system, hana)];
    const onlyA = live(hana).subscribe(RESERVATION_CHANGED, { roomId: roomA });
    await untilSubscribed(1);
    const inB = await book(roomB);
    const inA = await book(roomA);
    await eventually(
      async () => onlyA.results.length,
      (count) => count === 2,
    );
    expect(onlyA.results.map((result) => result.data!.reservationStatusChanged.id)).toEqual([inA.id, inA.id]);
    expect(inB.id).not.toBe(inA.id);

    const one = live(gus).subscribe(RESERVATION_CHANGED, { reservationId: inA.id });
    await untilSubscribed(2);
    await system.graphql(CANCEL, { id: inB.id }, gus);
    await system.graphql(CANCEL, { id: inA.id }, gus);
    await eventually(
      async () => one.results.map((result) => result.data?.reservationStatusChanged.status),
      (statuses) => statuses.includes('CANCELLED'),
    );
    expect(new Set(one.results.map((result) => result.data!.reservationStatusChanged.id))).toEqual(new Set([inA.id]));
  });
});

describe('paymentStatusChanged and roomChanged', () => {
  it("pushes a payment's refund, with its reservation", async () => {
    const roomId = await registerRoom(system, hana);
    const { id } = await book(roomId);
    const tap = live(gus).subscribe(PAYMENT_CHANGED, { reservationId: id });
    await untilSubscribed(1);
    await system.graphql(CANCEL, { id }, gus);
    await eventually(
      async () => tap.results.map((result) => result.data?.paymentStatusChanged.status),
      (statuses) => statuses.includes('REFUNDED'),
    );
    expect(lastOf(tap)!.data!.paymentStatusChanged).toEqual({
      status: 'REFUNDED',
      reservation: { id, status: expect.any(String) },
    });
  });

  it('lets anyone, anonymous too, follow a room, with fields of other subgraphs', async () => {
    const roomId = await registerRoom(system, hana, { name: 'Before' });
    const tap = live().subscribe(ROOM_CHANGED, { roomId });
    await untilSubscribed(1);
    await system.graphql(UPDATE_ROOM, { id: roomId, name: 'After' }, hana);
    await eventually(
      async () => lastOf(tap)?.data?.roomChanged,
      (room) => room?.name === 'After',
    );
    expect(lastOf(tap)!.data!.roomChanged).toEqual({ id: roomId, name: 'After', reviewCount: 0 });
  });
});

describe('dashboardUpdated', () => {
  it("pushes a host's row as it changes, with the room's review count", async () => {
    const roomId = await registerRoom(system, hana, { name: 'Dashboard room' });
    const tap = live(hana).subscribe(DASHBOARD_UPDATED, { roomId });
    const others = live(omar).subscribe(DASHBOARD_UPDATED);
    await untilSubscribed(2);
    await book(roomId);
    await eventually(
      async () => lastOf(tap)?.data?.dashboardUpdated,
      (row) => row?.reservationCounts.confirmed === 1,
    );
    expect(lastOf(tap)!.data!.dashboardUpdated).toEqual({
      roomId,
      reservationCounts: { confirmed: 1 },
      room: { name: 'Dashboard room', reviewCount: 0 },
    });
    // omar's own room changes reach him; hana's never did.
    const omarsRoom = await registerRoom(system, omar);
    await eventually(
      async () => others.results.map((result) => result.data?.dashboardUpdated.roomId),
      (ids) => ids.includes(omarsRoom),
    );
    expect(others.results.every((result) => result.data!.dashboardUpdated.roomId === omarsRoom)).toBe(true);
  });

  it('refuses anonymous callers and guests with an error', async () => {
    const anonymous = await live().subscribe(DASHBOARD_UPDATED).ended;
    expect(anonymous.completed).toBe(false);
    expect(codesOf(anonymous.error)).toEqual(['UNAUTHENTICATED']);
    const guest = await live(gus).subscribe(DASHBOARD_UPDATED).ended;
    expect(codesOf(guest.error)).toEqual(['FORBIDDEN']);
    const anonymousReservations = await live().subscribe(RESERVATION_CHANGED).ended;
    expect(codesOf(anonymousReservations.error)).toEqual(['UNAUTHENTICATED']);
  });
});

describe('fan-out', () => {
  const cursors = (tap: LiveTap) => tap.results.map((result) => result.extensions?.cursor);

  it('resolves a public selection once per event for viewers of any identity', async () => {
    const roomId = await registerRoom(system, hana, { name: 'Shared' });
    const taps = [live(gus), live(eve), live()].map((connection) => connection.subscribe(ROOM_CHANGED, { roomId }));
    await untilSubscribed(3);
    const everyoneHas = (name: string) =>
      eventually(
        async () => taps.map((tap) => lastOf(tap)?.data?.roomChanged.name),
        (names) => names.every((seen) => seen === name),
      );
    // A first change, after which the room's registration can no longer arrive late.
    await system.graphql(UPDATE_ROOM, { id: roomId, name: 'Shared once' }, hana);
    await everyoneHas('Shared once');
    const before = await metric('live_resolutions_total', 'field="roomChanged"');
    const received = taps[0].results.length;

    await system.graphql(UPDATE_ROOM, { id: roomId, name: 'Shared twice' }, hana);
    await everyoneHas('Shared twice');
    expect(taps[0].results.length).toBe(received + 1);
    expect(await metric('live_resolutions_total', 'field="roomChanged"')).toBe(before + 1);
    // The same payloads, cursors included, for all three.
    for (const tap of taps.slice(1)) expect(cursors(tap)).toEqual(cursors(taps[0]));
  });

  it('never shares a restricted selection across identities', async () => {
    const roomId = await registerRoom(system, hana);
    const hanas = live(hana).subscribe(RESERVATION_CHANGED, { roomId });
    const guss = live(gus).subscribe(RESERVATION_CHANGED, { roomId });
    await untilSubscribed(2);
    const before = await metric('live_resolutions_total', 'field="reservationStatusChanged"');
    await book(roomId);
    const bothHave = (count: number) =>
      eventually(
        async () => [hanas.results.length, guss.results.length],
        (counts) => counts.every((seen) => seen === count),
      );
    await bothHave(2);
    // Each event resolved once for the host and once for the guest: the payload is theirs to see.
    expect(await metric('live_resolutions_total', 'field="reservationStatusChanged"')).toBe(before + 4);
  });
});

describe('the connection', () => {
  it('closes at once, saying why, for a malformed, forged or expired token', async () => {
    const forged = await tokenFor('mallory', ['ADMIN'], { secret: 'not-the-secret-of-this-router-0123456789' });
    const expired = await tokenFor('gus', ['GUEST'], { expiresAt: Math.floor(Date.now() / 1000) - 60 });
    for (const [token, reason] of [
      ['not-a-jwt', /invalid/],
      [forged, /invalid/],
      [expired, /expired/],
    ] as const) {
      const connection = live(token);
      const closed = await connection.closed;
      expect(closed.code).toBe(4401);
      expect(closed.reason).toMatch(reason);
    }
  });

  it('pings to keep the connection alive, and bounds the subscriptions of one connection', async () => {
    const connection = live(gus);
    const taps = [1, 2, 3].map(() => connection.subscribe(ROOM_CHANGED));
    await untilSubscribed(3);
    const fourth = await connection.subscribe(ROOM_CHANGED).ended;
    expect(fourth.completed).toBe(false);
    expect(JSON.stringify(fourth.error)).toMatch(/At most 3 subscriptions per connection/);
    await eventually(
      async () => connection.pings(),
      (pings) => pings >= 2,
    );
    for (const tap of taps) tap.stop();
    await untilSubscribed(0);
  });

  it('answers a query sent over WebSocket with an error pointing to HTTP, and validates subscriptions', async () => {
    const query = await live().subscribe('{ rooms { totalCount } }').ended;
    expect(JSON.stringify(query.error)).toMatch(/send queries and mutations over HTTP/);
    const invalid = await live().subscribe('subscription { roomChanged { noSuchField } }').ended;
    expect(codesOf(invalid.error)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
  });

  it('drops a client that does not read, without delaying the others', async () => {
    // A router of its own: with the keep-alive of the others (300 ms), a client that reads nothing
    // would be cut for not answering pings before its queue could fill. Its heavy payload takes 60
    // aliases, over the default limit.
    const router = await system.spawnRouter({ MAX_QUEUED_EVENTS_PER_SUBSCRIPTION: '5', MAX_QUERY_ALIASES: '60' });
    try {
      // The room's own RoomRegistered reaches the feed whenever the outbox publishes it, which can be
      // after the clients below subscribe (it once made 301 of 300): it must have passed this
      // router first, as seen by a subscriber to every room.
      const everyRoom = live(undefined, router.url).subscribe<{ roomChanged: { id: string } }>(ROOM_CHANGED);
      await untilSubscribed(1, router.url);
      const roomId = await registerRoom(system, hana, { description: 'd'.repeat(2000) });
      await eventually(async () => everyRoom.results.some((result) => result.data?.roomChanged.id === roomId), Boolean);
      everyRoom.stop();
      await untilSubscribed(0, router.url);
      const slow = live(undefined, router.url);
      slow.subscribe(HEAVY_ROOM_CHANGED, { roomId });
      const fast = live(undefined, router.url).subscribe(ROOM_CHANGED, { roomId });
      await untilSubscribed(2, router.url);
      slow.socket()!.pause();

      const published = await publishRoomRenames(system, roomId, 300);
      // The others get every event. (Their payloads show the room as the room service has it: these
      // events were published straight to NATS, so every one reads the same room.)
      // A timeout says how many arrived; a router that died says so, with its last output.
      await eventually(
        async () => {
          router.assertRunning();
          return fast.results.length;
        },
        (count) => count === published,
        { timeoutMs: 60_000 },
      );
      expect(await metric('live_clients_dropped_total', 'reason="too_slow"', router.url)).toBe(1);
      expect(await activeSubscriptions(router.url)).toBe(1);
      slow.socket()!.resume();
      expect([1008, 1006]).toContain((await slow.closed).code);
    } finally {
      await router.stop();
    }
    // Beyond its wait for the events, so that a slow run ends in that wait's message (how many
    // arrived), not in Jest's bare timeout: a full parallel suite once ran this past 60 s.
  }, 120_000);
});

describe('across router replicas, and when a router stops', () => {
  it("pushes a change made through one router to another router's subscribers; on SIGTERM closes with 1001, not completing them", async () => {
    const other = await system.spawnRouter();
    let stopped = false;
    try {
      const roomId = await registerRoom(system, hana, { name: 'Replica room' });
      const connection = live(hana, other.url);
      const tap = connection.subscribe(ROOM_CHANGED, { roomId });
      await untilSubscribed(1, other.url);
      // The change is made through the first router; the subscriber is on the second.
      await system.graphql(UPDATE_ROOM, { id: roomId, name: 'Changed elsewhere' }, hana);
      await eventually(
        async () => lastOf(tap)?.data?.roomChanged.name,
        (name) => name === 'Changed elsewhere',
      );

      await other.stop();
      stopped = true;
      // Not `complete`, which would end the subscription for good: "going away" makes a client
      // that retries connect again and subscribe again (this test client does not retry).
      const ended = await tap.ended;
      expect(ended.completed).toBe(false);
      expect(ended.error).toMatchObject({ code: 1001 });
      expect((await connection.closed).code).toBe(1001);
    } finally {
      if (!stopped) await other.stop();
    }
  });
});

function codesOf(error: unknown): (string | undefined)[] {
  return Array.isArray(error) ? error.map((item: { extensions?: { code?: string } }) => item.extensions?.code) : [];
}
