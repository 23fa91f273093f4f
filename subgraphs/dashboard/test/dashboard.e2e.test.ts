import { errorCodes } from '../../../test/support/graphqlClient';
import { CANCEL, registerRoom, reservationStatus, stayBooker } from '../../../test/support/booking';
import { eventually, readStream } from '../../../test/support/streams';
import { startSystem, type TestSystem } from '../../../test/support/system';
import { tokenFor } from '../../../test/support/tokens';
import { factOf, type SourceEvent } from '../src/projecting/facts';

const ROW_FIELDS = `roomId hostId name city status pricePerNight { amount currency } reviewCount averageRating
  reservationCounts { pending confirmed rejected cancelled } revenue { amount currency }
  lastReservationStatus lastPaymentStatus updatedAt`;
const ROOM_DASHBOARD = `query($roomId: ID!) { roomDashboard(roomId: $roomId) { ${ROW_FIELDS} room { id name reviewCount } } }`;
const ROOM_WITH_DASHBOARD = `query($id: ID!) { room(id: $id) { id dashboard { roomId reservationCounts { confirmed } } } }`;
const DASHBOARD = `query($filter: DashboardFilter, $first: Int, $after: String) {
  dashboard(filter: $filter, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor } edges { cursor node { roomId hostId city status } }
  }
}`;
const WRITE_REVIEW = `mutation($input: WriteReviewInput!) { writeReview(input: $input) { id } }`;

/** "<event type>@<room id>": the first such event's projection fails after its row was written (a crash before the ack). */
const crashAfterWrite = new Set<string>();
const crashed: string[] = [];

let system: TestSystem;
let hana: string; // HOST
let omar: string; // another HOST
let gus: string; // GUEST
let ada: string; // ADMIN

beforeAll(async () => {
  system = await startSystem(['room', 'payment', 'reservation', 'review', 'dashboard'], {
    dashboard: {
      afterProjection: async (event: SourceEvent) => {
        const key = `${event.type}@${factOf(event).roomId}`;
        if (!crashAfterWrite.delete(key)) return;
        crashed.push(key);
        throw new Error(`injected crash after projecting ${key}`);
      },
    },
  });
  [hana, omar, gus, ada] = await Promise.all([
    tokenFor('hana', ['HOST']),
    tokenFor('omar', ['HOST']),
    tokenFor('gus', ['GUEST']),
    tokenFor('ada', ['ADMIN']),
  ]);
});
afterAll(() => system.stop());

const bookStay = stayBooker(() => system, { firstNight: 30 });
const book = (roomId: string, card = 'tok_visa') => bookStay(roomId, gus, { card });

async function row(roomId: string, token = hana) {
  const response = await system.graphql(ROOM_DASHBOARD, { roomId }, token);
  expect(response.errors).toBeUndefined();
  return response.data!.roomDashboard as Record<string, any> | null;
}

/** Waits until the room's row shows what the test expects (the read model is eventually consistent). */
function rowShows(roomId: string, expected: Record<string, unknown>, token = hana) {
  return eventually(
    () => row(roomId, token),
    (current) => current !== null && Object.entries(expected).every(([key, value]) => equal(current[key], value)),
  );
}
const equal = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

describe("a room's dashboard row", () => {
  it('shows counts, revenue (approved minus refunded), rating and last statuses of a confirmed, a refunded and a declined booking', async () => {
    const roomId = await registerRoom(system, hana, { name: 'Atelier', city: 'Porto' });
    const confirmed = await book(roomId);
    const refunded = await book(roomId);
    expect((await system.graphql(CANCEL, { id: refunded.id }, gus)).errors).toBeUndefined();
    // The refund settles after the answer; the declined booking below must come after it to be the "last".
    await eventually(
      () => reservationStatus(system, refunded.id, gus),
      (reservation) => reservation.status === 'CANCELLED' && reservation.payment?.status === 'REFUNDED',
    );
    expect(
      (await system.graphql(WRITE_REVIEW, { input: { reservationId: confirmed.id, rating: 4 } }, gus)).errors,
    ).toBeUndefined();
    const declined = await book(roomId, 'tok_declined');
    expect(declined.status).toBe('REJECTED');

    const shown = await rowShows(roomId, {
      reservationCounts: { pending: 0, confirmed: 1, rejected: 1, cancelled: 1 },
      reviewCount: 1,
      lastReservationStatus: 'REJECTED',
      lastPaymentStatus: 'DECLINED',
    });
    expect(shown).toEqual({
      roomId,
      hostId: 'hana',
      name: 'Atelier',
      city: 'Porto',
      status: 'ACTIVE',
      pricePerNight: { amount: 10_000, currency: 'EUR' },
      reviewCount: 1,
      averageRating: 4,
      reservationCounts: { pending: 0, confirmed: 1, rejected: 1, cancelled: 1 },
      // Two nights approved twice, one of them refunded.
      revenue: { amount: 20_000, currency: 'EUR' },
      lastReservationStatus: 'REJECTED',
      lastPaymentStatus: 'DECLINED',
      updatedAt: expect.any(String),
      room: { id: roomId, name: 'Atelier', reviewCount: 1 },
    });
    // The row's time is that of the last event applied to it: the declined booking's.
    expect(Date.parse(shown!.updatedAt as string)).toBe(Date.parse(declined.updatedAt));
  });

  it('follows the room itself: a rename and a removal reach the row', async () => {
    const roomId = await registerRoom(system, hana, { name: 'Shed' });
    await rowShows(roomId, { name: 'Shed', status: 'ACTIVE' });
    await system.graphql(
      `mutation($id: ID!) { updateRoom(id: $id, input: { name: "Garden shed" }) { id } }`,
      { id: roomId },
      hana,
    );
    await system.graphql(`mutation($id: ID!) { removeRoom(id: $id) { id } }`, { id: roomId }, hana);
    await rowShows(roomId, { name: 'Garden shed', status: 'REMOVED' });
  });

  it('announces every change of a row on the DASHBOARD stream, revision by revision', async () => {
    const roomId = await registerRoom(system, hana);
    await rowShows(roomId, { status: 'ACTIVE' });
    const announced = async () =>
      (await readStream(system.nats.url, 'DASHBOARD')).filter(({ event }) => event.aggregateId === roomId);
    const registered = await eventually(announced, (found) => found.length === 1);
    await book(roomId);
    await rowShows(roomId, { reservationCounts: { pending: 0, confirmed: 1, rejected: 0, cancelled: 0 } });
    // Events that reach a row together are applied in one revision, so a booking adds one or more.
    const signals = await eventually(announced, (found) => found.length > 1);
    for (const { subject, event } of signals) {
      expect(subject).toBe('dashboard.rows.changed');
      expect(event).toMatchObject({ type: 'RoomDashboardChanged', data: { roomId, hostId: 'hana' } });
    }
    const revisions = signals.map(({ event }) => event.aggregateVersion);
    expect(revisions).toEqual([...revisions].sort((a, b) => a - b));
    expect(new Set(revisions).size).toBe(revisions.length);
    expect(revisions[0]).toBe(registered[0].event.aggregateVersion);
  });

  it('does not count an event twice when the dashboard fails between writing its row and acknowledging it', async () => {
    const roomId = await registerRoom(system, hana);
    await rowShows(roomId, { status: 'ACTIVE' });
    const faults = ['ReservationConfirmed', 'PaymentApproved', 'ReservationCancelled', 'PaymentRefunded'].map(
      (type) => `${type}@${roomId}`,
    );
    for (const fault of faults) crashAfterWrite.add(fault);

    await book(roomId);
    const cancelled = await book(roomId);
    await system.graphql(CANCEL, { id: cancelled.id }, gus);

    // Each faulted event failed once after its row was written, was delivered again, and counted once.
    await eventually(
      async () => crashed,
      (keys) => faults.every((fault) => keys.includes(fault)),
    );
    await rowShows(roomId, {
      reservationCounts: { pending: 0, confirmed: 1, rejected: 0, cancelled: 1 },
      revenue: { amount: 20_000, currency: 'EUR' },
      lastPaymentStatus: 'REFUNDED',
    });
  });
});

describe('who sees which rows', () => {
  let hanasRoom: string;
  let omarsRoom: string;
  const city = `Tromsø-${Date.now()}`;

  beforeAll(async () => {
    hanasRoom = await registerRoom(system, hana, { city });
    omarsRoom = await registerRoom(system, omar, { city });
    await rowShows(hanasRoom, { city });
    await rowShows(omarsRoom, { city }, omar);
  });

  it('roomDashboard: the host and ADMIN; FORBIDDEN for another host or a guest; null for a missing room', async () => {
    expect((await row(hanasRoom, ada))?.roomId).toBe(hanasRoom);
    expect(errorCodes(await system.graphql(ROOM_DASHBOARD, { roomId: hanasRoom }, omar))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await system.graphql(ROOM_DASHBOARD, { roomId: hanasRoom }, gus))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await system.graphql(ROOM_DASHBOARD, { roomId: hanasRoom }))).toEqual(['UNAUTHENTICATED']);
    expect(await row('000000000000000000000000', hana)).toBeNull();
  });

  it('Room.dashboard: the row for the host and ADMIN, null for everyone else', async () => {
    const dashboardOf = async (token?: string) =>
      (await system.graphql(ROOM_WITH_DASHBOARD, { id: hanasRoom }, token)).data!.room.dashboard;
    expect(await dashboardOf(hana)).toMatchObject({ roomId: hanasRoom });
    expect(await dashboardOf(ada)).toMatchObject({ roomId: hanasRoom });
    expect(await dashboardOf(omar)).toBeNull();
    expect(await dashboardOf(gus)).toBeNull();
    expect(await dashboardOf()).toBeNull();
  });

  it("dashboard: a host's own rows, ADMIN every row, filtered and paged", async () => {
    const list = async (token: string, variables: Record<string, unknown>) => {
      const response = await system.graphql(DASHBOARD, variables, token);
      expect(response.errors).toBeUndefined();
      return response.data!.dashboard as {
        totalCount: number;
        pageInfo: { hasNextPage: boolean; endCursor: string };
        edges: { node: { roomId: string } }[];
      };
    };
    const ids = (page: { edges: { node: { roomId: string } }[] }) => page.edges.map(({ node }) => node.roomId);

    expect(ids(await list(hana, { filter: { city } }))).toEqual([hanasRoom]);
    expect(ids(await list(ada, { filter: { city: city.toUpperCase() } }))).toEqual([hanasRoom, omarsRoom]);
    expect(ids(await list(ada, { filter: { city, hostId: 'omar' } }))).toEqual([omarsRoom]);
    expect(ids(await list(ada, { filter: { city, status: 'REMOVED' } }))).toEqual([]);

    const first = await list(ada, { filter: { city }, first: 1 });
    expect(first).toMatchObject({ totalCount: 2, pageInfo: { hasNextPage: true } });
    const second = await list(ada, { filter: { city }, first: 1, after: first.pageInfo.endCursor });
    expect(ids(second)).toEqual([omarsRoom]);
    expect(second.pageInfo.hasNextPage).toBe(false);

    const hostWide = await list(hana, {});
    expect(hostWide.edges.every(({ node }) => (node as unknown as { hostId: string }).hostId === 'hana')).toBe(true);
    expect(errorCodes(await system.graphql(DASHBOARD, { filter: { hostId: 'omar' } }, hana))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await system.graphql(DASHBOARD, {}, gus))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await system.graphql(DASHBOARD, {}))).toEqual(['UNAUTHENTICATED']);
  });
});

describe('while the dashboard is down', () => {
  it('catches up on restart: the changes made meanwhile reach the rows', async () => {
    const roomId = await registerRoom(system, hana);
    await rowShows(roomId, { status: 'ACTIVE' });
    await system.stopSubgraph('dashboard');
    try {
      // Bookings go on without the dashboard; its consumers are durable.
      await book(roomId);
      await book(roomId, 'tok_declined');
      await system.graphql(
        `mutation($id: ID!) { updateRoom(id: $id, input: { capacity: 3 , name: "Renamed" }) { id } }`,
        { id: roomId },
        hana,
      );
    } finally {
      await system.startSubgraph('dashboard');
    }
    await rowShows(roomId, {
      name: 'Renamed',
      reservationCounts: { pending: 0, confirmed: 1, rejected: 1, cancelled: 0 },
      revenue: { amount: 20_000, currency: 'EUR' },
    });
  });
});
