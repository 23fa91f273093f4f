import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { SUBGRAPHS, subgraphUrlVariable } from '../subgraphs/catalog';
import { findFreePort } from '../scripts/infra/ports';
import { launchService, type RunningService as ServiceProcess } from '../scripts/start/service';
import { RESERVATION, RESERVE, inDays } from './support/booking';
import { bearer, postGraphQL, type GraphQLResponse } from './support/graphqlClient';
import { dropDatabases, testMongoUrl, uniqueDbPrefix } from './support/mongo';
import { startNatsServer, type TestNatsServer } from './support/natsServer';
import { ReadinessGatedPool, startBalancer, type Balancer } from './support/readinessGate';
import { eventually, readStream } from './support/streams';
import { SLOW_MACHINE_TIMEOUTS } from './support/system';
import { tokenFor } from './support/tokens';

/**
 * A rolling update of the running system, on OS processes: while clients book rooms and read
 * bookings without pause, payment, dashboard and the router are each replaced as Kubernetes
 * would (the new instance starts and turns ready, then the old one gets SIGTERM). Clients and
 * services reach each service only through instances a readiness-polling balancer has seen ready.
 * Nothing may fail, no event may be lost or doubled, and each old instance answers 503 on
 * /health/ready before it stops answering, then exits 0.
 */
/** A readiness probe's period; each probe may take up to a second (its timeout). */
const READINESS_POLL_MS = 100;
/**
 * Longer than the balancer takes to act on a 503 (two probes in a row, each up to a period plus
 * its timeout): it has taken the instance out of rotation before the instance stops listening.
 */
const DRAIN_DELAY_MS = 3_000;
const ROOMS = 3;
const CLIENTS = 3;
jest.setTimeout(180_000);

const ROOM_DASHBOARD = `query($roomId: ID!) {
  roomDashboard(roomId: $roomId) { reservationCounts { pending confirmed rejected cancelled } revenue { amount currency } }
}`;

let nats: TestNatsServer;
const dbPrefix = uniqueDbPrefix();
const pools = new Map<string, ReadinessGatedPool>();
const balancers = new Map<string, Balancer>();
const running = new Map<string, ServiceProcess>();
let instanceCount = 0;
const logLevel = process.env.TEST_LOG_LEVEL ?? 'silent';

/** Every service reaches every other through its balancer, as through a Kubernetes Service. */
function peerUrls(): Record<string, string> {
  return Object.fromEntries(
    SUBGRAPHS.map(({ name }) => [subgraphUrlVariable(name), `${balancers.get(name)!.url}/graphql`]),
  );
}

/** Starts an instance of a service as its own process and puts it in its pool (as not ready yet). */
async function startInstance(service: string): Promise<string> {
  instanceCount += 1;
  const name = `${service}#${instanceCount}`;
  const port = await findFreePort();
  // Not NODE_ENV=test: Apollo Server installs its own SIGTERM handler everywhere else, as in production.
  const common = {
    LOG_LEVEL: logLevel,
    NODE_ENV: 'development',
    NATS_URL: nats.url,
    DRAIN_DELAY_MS: String(DRAIN_DELAY_MS),
  };
  const env =
    service === 'router'
      ? { ...common, ...peerUrls(), PORT: String(port) }
      : {
          ...common,
          ...SLOW_MACHINE_TIMEOUTS,
          ...peerUrls(),
          PORT: String(port),
          MONGO_URL: testMongoUrl(),
          MONGO_DB_PREFIX: dbPrefix,
        };
  const instance = await launchService({
    name,
    entry: service === 'router' ? 'router/src/main.ts' : `subgraphs/${service}/src/main.ts`,
    runs: 'source',
    port,
    env,
    print: (line) => {
      if (logLevel !== 'silent') process.stderr.write(`[${name}] ${line}\n`);
    },
  });
  running.set(name, instance);
  await instance.untilReady(90_000);
  pools.get(service)!.add(name, `http://127.0.0.1:${port}`);
  await pools.get(service)!.untilChosen(name);
  return name;
}

/**
 * What a rolling update does: the replacement starts and is seen ready, then the old instance
 * gets SIGTERM and leaves the pool once it has exited.
 */
async function roll(service: string, old: string): Promise<string> {
  const replacement = await startInstance(service);
  const exit = await running.get(old)!.child.stop(30_000);
  running.delete(old);
  // The balancer's next poll finds it gone (an exit within one poll interval is no failure).
  const seen = await eventually(
    async () => pools.get(service)!.seen(old),
    (changes) => changes.at(-1) === 'unreachable',
  );
  pools.get(service)!.remove(old);
  expect({ old, exit }).toEqual({ old, exit: { code: 0, signal: null } });
  // Ready, then 503 while it still answered, then gone: never gone while it was being chosen.
  expect({ old, seen }).toEqual({ old, seen: ['ready', 'not-ready', 'unreachable'] });
  return replacement;
}

/** A client of the router, sending each request to a router the pool has seen ready. */
async function graphql<Data = Record<string, any>>(
  query: string,
  variables: Record<string, unknown>,
  token: string,
): Promise<GraphQLResponse<Data>> {
  const router = pools.get('router')!.choose();
  if (!router) throw new Error('no router is ready');
  return await postGraphQL<Data>(`${router.baseUrl}/graphql`, query, variables, bearer(token));
}

beforeAll(async () => {
  nats = await startNatsServer();
  for (const service of [...SUBGRAPHS.map(({ name }) => name), 'router']) {
    const pool = new ReadinessGatedPool(READINESS_POLL_MS);
    pool.start();
    pools.set(service, pool);
    if (service !== 'router') balancers.set(service, await startBalancer(pool));
  }
});

afterAll(async () => {
  await Promise.allSettled([...running.values()].map((instance) => instance.child.stop()));
  await Promise.all([...pools.values()].map((pool) => pool.stop()));
  await Promise.all([...balancers.values()].map((balancer) => balancer.close()));
  await nats?.close();
  await dropDatabases(dbPrefix);
});

interface Booking {
  readonly id: string;
  readonly roomId: string;
  readonly amount: number;
}

it('replaces payment, dashboard and the router under steady bookings: nothing fails, every booking is charged once and counted once', async () => {
  const instances = new Map<string, string>();
  // Started side by side: the services call each other only when asked, through their balancers.
  await Promise.all(SUBGRAPHS.map(async ({ name }) => instances.set(name, await startInstance(name))));
  instances.set('router', await startInstance('router'));

  const host = await tokenFor('rolling-host', ['HOST']);
  const guest = await tokenFor('rolling-guest', ['GUEST']);
  const roomIds: string[] = [];
  for (let index = 0; index < ROOMS; index += 1) {
    const registered = await graphql<{ registerRoom: { id: string } }>(
      `
        mutation ($input: RegisterRoomInput!) {
          registerRoom(input: $input) {
            id
          }
        }
      `,
      {
        input: {
          name: `Rolling ${index}`,
          city: 'Porto',
          capacity: 2,
          pricePerNight: { amount: 10_000, currency: 'EUR' },
        },
      },
      host,
    );
    roomIds.push(registered.data!.registerRoom.id);
  }

  // A subscriber that, like any graphql-ws client, reconnects when its router goes away.
  const closeCodes: number[] = [];
  const updates: number[] = [];
  const subscriber: Client = createClient({
    url: () => {
      const router = pools.get('router')!.choose();
      if (!router) throw new Error('no router is ready');
      return `${router.baseUrl.replace(/^http/, 'ws')}/graphql`;
    },
    connectionParams: { authorization: `Bearer ${host}` },
    webSocketImpl: WebSocket,
    retryAttempts: Infinity,
    shouldRetry: () => true,
    on: { closed: (event) => closeCodes.push((event as { code: number }).code) },
  });
  subscriber.subscribe<{ dashboardUpdated: { reservationCounts: { confirmed: number } } }>(
    {
      query: `subscription($roomId: ID) { dashboardUpdated(roomId: $roomId) { reservationCounts { confirmed } } }`,
      variables: { roomId: roomIds[0] },
    },
    {
      next: (result) => updates.push(result.data!.dashboardUpdated.reservationCounts.confirmed),
      error: () => undefined,
      complete: () => undefined,
    },
  );

  // Clients booking and reading without pause; every answer is kept.
  const bookings: Booking[] = [];
  const failures: unknown[] = [];
  let nextStay = 0;
  let booking = true;
  const client = async () => {
    while (booking) {
      const stay = nextStay++;
      const roomId = roomIds[stay % ROOMS];
      const nights = 1 + (stay % 2);
      const checkIn = 30 + 3 * Math.floor(stay / ROOMS);
      const input = {
        roomId,
        checkIn: inDays(checkIn),
        checkOut: inDays(checkIn + nights),
        guests: 1,
        paymentMethod: { token: 'tok_visa' },
      };
      const reserved = await graphql(RESERVE, { input }, guest).catch((error: unknown) => ({ error }));
      if (!('data' in reserved) || reserved.errors || reserved.data?.reserveRoom.status !== 'CONFIRMED') {
        failures.push({ input, reserved });
        continue;
      }
      const { id, totalPrice } = reserved.data.reserveRoom;
      bookings.push({ id, roomId, amount: totalPrice.amount });
      const read = await graphql(RESERVATION, { id }, guest).catch((error: unknown) => ({ error }));
      if (!('data' in read) || read.errors || read.data?.reservation.payment?.status !== 'APPROVED')
        failures.push({ id, read });
    }
  };
  const clients = Array.from({ length: CLIENTS }, () => client());
  const moreBookings = async (count: number) => {
    const target = bookings.length + count;
    await eventually(
      async () => bookings.length + failures.length,
      (done) => done >= target,
      { timeoutMs: 60_000 },
    );
  };

  try {
    await moreBookings(5);
    for (const service of ['payment', 'dashboard', 'router'] as const) {
      const confirmedBefore = updates.length;
      instances.set(service, await roll(service, instances.get(service)!));
      await moreBookings(5);
      if (service === 'router') {
        // The subscriber was told to go away (1001), came back through a ready router, and hears news again.
        expect(closeCodes).toEqual([1001]);
        await eventually(
          async () => updates.length,
          (count) => count > confirmedBefore,
        );
      }
    }
  } finally {
    booking = false;
    await Promise.all(clients);
    await subscriber.dispose();
  }

  expect(failures).toEqual([]);
  for (const [service, balancer] of balancers)
    expect({ service, failures: balancer.failures }).toEqual({ service, failures: [] });
  expect(bookings.length).toBeGreaterThanOrEqual(20);

  // Each room's dashboard row counts each booking once and its revenue to the cent.
  for (const roomId of roomIds) {
    const ofRoom = bookings.filter((stay) => stay.roomId === roomId);
    const expected = {
      reservationCounts: { pending: 0, confirmed: ofRoom.length, rejected: 0, cancelled: 0 },
      revenue: { amount: ofRoom.reduce((sum, stay) => sum + stay.amount, 0), currency: 'EUR' },
    };
    await eventually(
      async () => (await graphql(ROOM_DASHBOARD, { roomId }, host)).data?.roomDashboard,
      (row) => JSON.stringify(row) === JSON.stringify(expected),
      { timeoutMs: 30_000 },
    );
  }
  // Every booking requested, confirmed and charged exactly once on the streams, nothing else (the
  // rows above are settled, so every event they count is out).
  const once = (
    events: { event: { type: string; aggregateId: string; data: unknown } }[],
    type: string,
    key: (data: any) => string,
  ) =>
    events
      .filter(({ event }) => event.type === type)
      .map(({ event }) => key(event.data))
      .sort();
  const ids = bookings.map(({ id }) => id).sort();
  const reservationEvents = await readStream(nats.url, 'RESERVATIONS');
  expect(once(reservationEvents, 'ReservationRequested', (data) => data.reservationId)).toEqual(ids);
  expect(once(reservationEvents, 'ReservationConfirmed', (data) => data.reservationId)).toEqual(ids);
  expect(once(await readStream(nats.url, 'PAYMENTS'), 'PaymentApproved', (data) => data.reservationId)).toEqual(ids);
});
