import { setTimeout as sleep } from 'node:timers/promises';
import type { OutboxEntry } from '@roombook/contracts';
import { connectBroker, connectDatabase, createLogger, type Broker } from '@roombook/kernel';
import type { Connection } from 'mongoose';
import { startManagedProcess } from '../../../scripts/infra/managedProcess';
import { REPO_ROOT } from '../../../scripts/infra/locations';
import type { GraphQLResponse } from '../../../test/support/graphqlClient';
import { eventually } from '../../../test/support/streams';
import { startSystem, type SpawnedReplica, type TestSystem } from '../../../test/support/system';
import { tokenFor } from '../../../test/support/tokens';
import type { RoomDashboardView } from '../src/domain/roomDashboard';
import type { SourceEvent } from '../src/projecting/facts';
import { DashboardProjection } from '../src/projecting/projection';
import { ProjectionVersionRegistry } from '../src/projectionVersions';
import { RESERVATION_EVENTS, PAYMENT_EVENTS, REVIEW_EVENTS, ROOM_EVENTS } from '@roombook/contracts';
import {
  HistoryWriter,
  caughtUp as allCaughtUp,
  dashboardLag,
  expectedRows,
  publishEvents,
  shuffled,
  storedSourceEvents,
} from './eventHistory';

const ROWS = `query($after: String) {
  dashboard(first: 100, after: $after) {
    pageInfo { hasNextPage endCursor }
    edges { node { roomId hostId name city status pricePerNight { amount currency } reviewCount averageRating
      reservationCounts { pending confirmed rejected cancelled } revenue { amount currency }
      lastReservationStatus lastPaymentStatus updatedAt } }
  }
}`;

let system: TestSystem;
let admin: string;
let database: Connection;
let broker: Broker;

// Each test has a system of its own, so its streams hold only its own history.
beforeAll(async () => {
  admin = await tokenFor('ada', ['ADMIN']);
});
beforeEach(async () => {
  system = await startSystem(['dashboard']);
  database = await connectDatabase(system.mongoUrl, `${system.dbPrefix}_dashboard`);
  broker = await connectBroker(system.nats.url, 'dashboard-test', createLogger('test', 'silent'));
});
afterEach(async () => {
  await broker.close();
  await database.close();
  await system.stop();
});

/** Every row, as an ADMIN reads them through the router, in the order of expectedRows. */
async function rowsThroughRouter(): Promise<RoomDashboardView[]> {
  const rows: RoomDashboardView[] = [];
  let after: string | null = null;
  for (;;) {
    const response: GraphQLResponse = await system.graphql(ROWS, { after }, admin);
    expect(response.errors).toBeUndefined();
    const page: {
      pageInfo: { hasNextPage: boolean; endCursor: string };
      edges: { node: RoomDashboardView & { updatedAt: string } }[];
    } = response.data!.dashboard;
    rows.push(
      ...page.edges.map(({ node }: { node: RoomDashboardView & { updatedAt: string } }) => ({
        ...node,
        updatedAt: new Date(node.updatedAt),
      })),
    );
    if (!page.pageInfo.hasNextPage) return rows.sort((a, b) => a.roomId.localeCompare(b.roomId));
    after = page.pageInfo.endCursor;
  }
}

/** Between two batches of live traffic during the rebuild (a pace, not a wait for anything). */
const TRAFFIC_PACE_MS = 1000;

// On a timeout, the last lag says which consumer stopped short, with how much unacked and redelivered.
const caughtUp = (replica?: SpawnedReplica) =>
  eventually(
    async () => {
      replica?.assertRunning();
      return dashboardLag(system.nats.url);
    },
    allCaughtUp,
    { timeoutMs: 120_000 },
  );

it('leaves the rows unchanged when every event is published again, shuffled, straight to NATS', async () => {
  const history = new HistoryWriter();
  for (let room = 0; room < 5; room += 1) history.busyRoom('hana', 8);
  await publishEvents(system.nats.url, history.events);
  await caughtUp();
  const before = await rowsThroughRouter();
  expect(before).toEqual(await expectedRows(system.nats.url));

  const again = shuffled(await storedSourceEvents(system.nats.url), 20261124);
  await publishEvents(system.nats.url, again, { freshMessageIds: true });
  await caughtUp();
  expect(await rowsThroughRouter()).toEqual(before);
});

it('applies every event once with two dashboard processes sharing the durable consumers', async () => {
  const replica = await system.spawnReplica('dashboard');
  try {
    // Few rooms with many events each, so both processes change the same rows at the same time.
    const publishers = [new HistoryWriter(), new HistoryWriter()];
    for (const history of publishers) for (let room = 0; room < 2; room += 1) history.busyRoom('omar', 20);
    await Promise.all(publishers.map((history) => publishEvents(system.nats.url, history.events)));
    await caughtUp(replica);

    expect(await rowsThroughRouter()).toEqual(await expectedRows(system.nats.url));
    // Both processes took part.
    const handledBy = async (url: string) => {
      const metrics = await (await fetch(url.replace(/\/graphql$/, '/metrics'))).text();
      const handled = /events_consumed_total\{consumer="dashboard-reservations",outcome="handled"[^}]*\} (\d+)/.exec(
        metrics,
      );
      return Number(handled?.[1] ?? 0);
    };
    expect(await handledBy(replica.url)).toBeGreaterThan(0);
    expect(await handledBy(system.subgraph('dashboard').url)).toBeGreaterThan(0);
  } finally {
    await replica.stop();
  }
}, 180_000);

it('rebuilds, from the streams alone, a read model equal to the live one, while events keep arriving', async () => {
  const history = new HistoryWriter();
  for (let room = 0; room < 32; room += 1) history.busyRoom(`host-${room % 4}`, 8);
  await publishEvents(system.nats.url, history.events);
  await caughtUp();
  const versions = new ProjectionVersionRegistry(database);
  const { active: live } = await versions.current();
  const totalStored = (await storedSourceEvents(system.nats.url)).length;
  expect(totalStored).toBeGreaterThanOrEqual(1000);

  const rebuild = await startManagedProcess({
    name: 'dashboard:rebuild',
    command: 'npm',
    args: ['run', '--silent', 'dashboard:rebuild'],
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      MONGO_URL: system.mongoUrl,
      MONGO_DB_PREFIX: system.dbPrefix,
      NATS_URL: system.nats.url,
      LOG_LEVEL: 'warn',
    },
    output: { onLine: () => undefined },
  });
  // Live traffic during the rebuild, at a steady pace: a booking on an existing room, now and then a new room.
  const duringRebuild: OutboxEntry[] = [];
  const rooms = history.events.filter((event) => event.type === 'RoomRegistered').map((event) => event.aggregateId);
  for (let batch = 0; rebuild.isRunning(); batch += 1) {
    const more = new HistoryWriter();
    const room = { roomId: rooms[batch % rooms.length], hostId: `host-${(batch % rooms.length) % 4}` };
    more.reservation(room, batch % 3 === 0 ? 'cancelled' : 'confirmed');
    if (batch % 5 === 0) more.room(undefined, 'host-1');
    await publishEvents(system.nats.url, more.events);
    duringRebuild.push(...more.events);
    await sleep(TRAFFIC_PACE_MS);
  }
  const exit = await rebuild.exited;
  // On failure, the diff shows what the script printed.
  expect({ code: exit.code, output: rebuild.outputTail() }).toEqual({
    code: 0,
    output: expect.stringMatching(/Rebuilt the dashboard read model as version \d+/),
  });
  expect(duringRebuild.length).toBeGreaterThan(0);
  await caughtUp();

  const { active: rebuilt, building } = await versions.current();
  expect(building).toBeNull();
  expect(rebuilt).toBeGreaterThan(live);
  const projection = new DashboardProjection(database, versions, broker);
  // Events the live consumers applied after the switch went to the new version only; the old one gets them here.
  const families = [ROOM_EVENTS, RESERVATION_EVENTS, PAYMENT_EVENTS, REVIEW_EVENTS];
  for (const entry of duringRebuild) {
    const event = families.map((family) => family.parse(entry)).find(Boolean) as SourceEvent;
    await projection.projectInto(live, event, { announce: false });
  }
  const liveRows = await projection.rowsOf(live).all();
  const rebuiltRows = await projection.rowsOf(rebuilt).all();
  expect(rebuiltRows).toHaveLength(liveRows.length);
  expect(rebuiltRows).toEqual(liveRows);
  expect(rebuiltRows).toEqual(await expectedRows(system.nats.url));
  // Queries read the rebuilt version now.
  expect(await rowsThroughRouter()).toEqual(rebuiltRows);
}, 300_000);
