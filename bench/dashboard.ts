/**
 * npm run bench:dashboard: how long after a change's event is sent to the stream the dashboard
 * row that shows it can be read through the router, at steady rates of events and
 * after a burst. A benchmark, not a test: it prints what it measures and the machine.
 *
 * Each change is a new reservation of one of ROOMS rooms, published as its service would
 * publish it. The bench follows the dashboard's change signals. The dashboard publishes a row's
 * signal only once the row's copy that queries read is written, and names as its cause the last
 * event that revision applied; a room's reservations reach the dashboard's consumer in the order
 * they were sent and a row never goes back, so on a signal every reservation of the room up to
 * its cause is readable: lag = when the signal arrived - when the event was sent (an upper bound
 * on when the row became readable). With BENCH_OBSERVE=reads the bench reads the row through the
 * router after each signal instead (lag = the end of that read), which costs the router, the
 * dashboard and the database one query per row change, a load no deployment's readers put on it
 * per change. Either way, once all is readable every room is read through the router and must
 * show every reservation the bench counted (it fails otherwise).
 *
 * Beside it, in the same run and on the same server: how many single-document updates per second
 * the MongoDB driver alone gets (8 at once), the floor any projection pays per event, for scale.
 *
 * Each engine in turn, in the same run: FerretDB on PostgreSQL when FERRETDB_POSTGRESQL_URL (or
 * TEST_FERRETDB_POSTGRESQL_URL) names a database, then the embedded engine (FerretDB on SQLite
 * files, or mongod where one can be had); a summary at the end gives each engine's events/s as a
 * share of its driver's updates/s.
 *
 * The dashboard and the router each run as their own process, compiled under dist/ as `npm start`
 * runs them, so what is measured is what a user of a deployment sees: run inside the bench's
 * process, the router, the projection and the bench's own publishing and reading shared one event
 * loop, and each waited for the others' work (BENCH_SERVICES=in-process still runs them so).
 *
 * Environment: BENCH_RATES (events/s, default "50,100,200"), BENCH_SECONDS (per rate, default
 * 10), BENCH_BURST (events, default 1000), BENCH_ROOMS (default 50); BENCH_SERVICES (compiled,
 * the default; source: under tsx; in-process); TEST_MONGO_URL to use a running MongoDB-wire server
 * instead of starting any; BENCH_OBSERVE (signals, the default; reads).
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { DASHBOARD_SIGNALS, parseEnvelope } from '@roombook/contracts';
import { DeliverPolicy, jetstream } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { MongoClient } from 'mongodb';
import { HistoryWriter } from '../subgraphs/dashboard/test/eventHistory';
import { startSystem, type TestSystem } from '../test/support/system';
import { tokenFor } from '../test/support/tokens';
import { infrastructureConfig } from '../scripts/infra/config';
import { startMongo } from '../scripts/infra/mongo';
import { findFreePort } from '../scripts/infra/ports';
import { buildIfChanged } from '../scripts/build';
import { cpuSpent, descendantsCpu } from './processCpu';

const RATES = (process.env.BENCH_RATES ?? '50,100,200').split(',').map(Number);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const BURST = Number(process.env.BENCH_BURST ?? 1000);
const ROOMS = Number(process.env.BENCH_ROOMS ?? 50);
const SERVICES = (process.env.BENCH_SERVICES ?? 'compiled') as 'compiled' | 'source' | 'in-process';
const OBSERVE = (process.env.BENCH_OBSERVE ?? 'signals') as 'signals' | 'reads';
/** How long the last change of a run may take to become readable before the bench gives up on it. */
const DRAIN_TIMEOUT_MS = 300_000;

const PENDING = `query($roomId: ID!) { roomDashboard(roomId: $roomId) { reservationCounts { pending } } }`;

interface Tracker {
  /** When each room's reservations were sent, in order: a lag runs from the moment the change is made. */
  readonly published: Map<string, number[]>;
  /** Each reservation's event id: its room and its place among the room's reservations. */
  readonly sent: Map<string, { roomId: string; index: number }>;
  /** How many of each room's reservations have been seen readable. */
  readonly seen: Map<string, number>;
  readonly lags: number[];
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

/** What one engine's run measured, for the summary. */
interface EngineResult {
  readonly engine: string;
  readonly driverUpdatesPerSecond: number;
  /** Drain rate of each steady rate, and its lags. */
  readonly steady: { rate: number; eventsPerSecond: number; p50: number; p99: number }[];
  readonly burst: { eventsPerSecond: number; p50: number; p99: number };
}

/**
 * The engines to measure, in turn, each on a server started here: FerretDB on the PostgreSQL
 * database FERRETDB_POSTGRESQL_URL or TEST_FERRETDB_POSTGRESQL_URL names, if any, then the
 * embedded engine (undefined: SQLite files, or mongod where one can be had). With
 * TEST_MONGO_URL, that server only.
 */
function enginesToMeasure(): (string | undefined)[] {
  if (process.env.TEST_MONGO_URL) return [undefined];
  const postgresqlUrl = process.env.FERRETDB_POSTGRESQL_URL || process.env.TEST_FERRETDB_POSTGRESQL_URL || undefined;
  return postgresqlUrl ? [postgresqlUrl, undefined] : [undefined];
}

async function main() {
  console.log(
    `machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}; load average ${loadAverage()}`,
  );
  if (SERVICES === 'compiled') {
    const { compiled } = buildIfChanged(undefined, ['services']);
    console.log(
      `services: compiled under dist/ (${compiled.length > 0 ? 'built again now' : 'up to date with the sources'}), each its own process, as npm start runs them`,
    );
  } else
    console.log(
      `services: ${SERVICES === 'source' ? 'each its own process, from source under tsx' : "in the bench's process"}`,
    );
  const results: EngineResult[] = [];
  for (const postgresqlUrl of enginesToMeasure()) results.push(await measureEngine(postgresqlUrl));
  console.log(`\nsummary (load average now ${loadAverage()})`);
  for (const result of results) {
    const ratio = (eventsPerSecond: number) =>
      `${((100 * eventsPerSecond) / result.driverUpdatesPerSecond).toFixed(1)}%`;
    console.log(`${result.engine}: driver ${result.driverUpdatesPerSecond.toFixed(0)} updates/s`);
    console.log(
      `  burst: ${result.burst.eventsPerSecond.toFixed(0)} events/s (${ratio(result.burst.eventsPerSecond)} of the driver's updates/s), lag p50 ${result.burst.p50.toFixed(0)} ms, p99 ${result.burst.p99.toFixed(0)} ms`,
    );
    for (const steady of result.steady) {
      console.log(
        `  steady ${steady.rate}/s: drains ${steady.eventsPerSecond.toFixed(0)} events/s (${ratio(steady.eventsPerSecond)}), lag p50 ${steady.p50.toFixed(0)} ms, p99 ${steady.p99.toFixed(0)} ms`,
      );
    }
  }
}

function loadAverage(): string {
  return os
    .loadavg()
    .map((load) => load.toFixed(2))
    .join(', ');
}

async function measureEngine(postgresqlUrl: string | undefined): Promise<EngineResult> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'roombook-bench-dashboard-'));
  const given = process.env.TEST_MONGO_URL;
  const mongo = given
    ? undefined
    : await startMongo({
        dir,
        port: await findFreePort(),
        log: (line) => console.log(line),
        config: { ...infrastructureConfig(), FERRETDB_POSTGRESQL_URL: postgresqlUrl },
      });
  process.env.TEST_MONGO_URL = given ?? mongo!.url;
  const system = await startSystem(
    ['dashboard'],
    SERVICES === 'in-process' ? {} : { warmUps: true, processes: { environment: {}, runs: SERVICES } },
  );
  const admin = await tokenFor('bench-admin', ['ADMIN']);
  const nats = await connect({ servers: system.nats.url });
  const js = jetstream(nats);
  try {
    const setup = new HistoryWriter();
    const rooms = Array.from({ length: ROOMS }, (_, index) => setup.room(undefined, `host-${index % 5}`));
    for (const { subject, ...event } of setup.events)
      await js.publish(subject, JSON.stringify(event), { msgID: event.id });

    const tracker: Tracker = { published: new Map(), sent: new Map(), seen: new Map(), lags: [] };
    const stopFollowing = await followSignals(system, admin, js, tracker);
    await untilRoomsShown(system, admin, rooms);

    const engine = mongo
      ? `${mongo.engine === 'ferretdb' ? `FerretDB on ${postgresqlUrl ? 'PostgreSQL' : 'SQLite files'}` : 'mongod'} started by the bench`
      : `TEST_MONGO_URL ${system.mongoUrl}`;
    console.log(
      `\ndashboard lag: change sent -> ${OBSERVE === 'signals' ? "the row's change signal (its copy written)" : 'row read through the router after its signal'} (${ROOMS} rooms); database: ${engine}`,
    );
    const updates = await driverUpdatesPerSecond(system.mongoUrl, `${system.dbPrefix}_bench`);
    console.log(`direct driver, same server: ${updates.toFixed(0)} single-document updates/s (8 at once)`);
    const ofDriver = (eventsPerSecond: number) =>
      `${eventsPerSecond.toFixed(0)} events/s, ${((100 * eventsPerSecond) / updates).toFixed(1)}% of the driver's updates/s`;
    const steady: EngineResult['steady'] = [];
    for (const rate of RATES) {
      tracker.lags.length = 0;
      const cpuBefore = descendantsCpu();
      const started = performance.now();
      const count = rate * SECONDS;
      const publishing: Promise<void>[] = [];
      for (let index = 0; index < count; index += 1) {
        // Steady pace: the index-th event leaves at its time, whatever the previous publishes cost
        // (not waiting for each acknowledgement: on a loaded machine that alone caps the rate).
        const due = started + (index * 1000) / rate;
        const wait = due - performance.now();
        if (wait > 0) await sleep(wait);
        publishing.push(publishReservation(js, tracker, rooms[index % rooms.length]));
      }
      await Promise.all(publishing);
      const achieved = count / ((performance.now() - started) / 1000);
      await untilReadable(tracker, system, admin, rooms);
      await verifyThroughRouter(tracker, system, admin, rooms);
      const lags = report(`steady ${rate}/s for ${SECONDS} s (sent at ${achieved.toFixed(0)}/s)`, tracker.lags);
      const drained = (performance.now() - started) / 1000;
      console.log(`  all readable ${drained.toFixed(1)} s after the first was sent: ${ofDriver(count / drained)}`);
      printCpu(cpuBefore, count);
      steady.push({ rate, eventsPerSecond: count / drained, ...lags });
    }

    tracker.lags.length = 0;
    const burstCpuBefore = descendantsCpu();
    const burstStarted = performance.now();
    await Promise.all(
      Array.from({ length: BURST }, (_, index) => publishReservation(js, tracker, rooms[index % rooms.length])),
    );
    const published = performance.now() - burstStarted;
    await untilReadable(tracker, system, admin, rooms);
    await verifyThroughRouter(tracker, system, admin, rooms);
    const burstLags = report(`burst of ${BURST} (published in ${published.toFixed(0)} ms)`, tracker.lags);
    const drained = (performance.now() - burstStarted) / 1000;
    console.log(`  all readable ${drained.toFixed(1)} s after the burst began: ${ofDriver(BURST / drained)}`);
    printCpu(burstCpuBefore, BURST);
    await stopFollowing();
    return {
      engine,
      driverUpdatesPerSecond: updates,
      steady,
      burst: { eventsPerSecond: BURST / drained, ...burstLags },
    };
  } finally {
    await nats.close();
    await system.stop();
    await mongo?.stop();
    if (!given) delete process.env.TEST_MONGO_URL;
    await fs.rm(dir, { recursive: true, force: true });
  }
}

async function publishReservation(
  js: ReturnType<typeof jetstream>,
  tracker: Tracker,
  room: { roomId: string; hostId: string },
): Promise<void> {
  const writer = new HistoryWriter();
  writer.reservation(room, 'pending');
  const [{ subject, ...event }] = writer.events;
  const times = tracker.published.get(room.roomId) ?? [];
  tracker.published.set(room.roomId, times);
  tracker.sent.set(event.id, { roomId: room.roomId, index: times.length });
  // Sent now: the stream's acknowledgement is part of the way to the reader (stamped at the
  // acknowledgement, a row read before it came back had no start time).
  times.push(performance.now());
  await js.publish(subject, JSON.stringify(event), { msgID: event.id });
}

/** CPU of the processes the bench started (services, FerretDB, NATS; not PostgreSQL) since `before`, per event. */
function printCpu(before: ReturnType<typeof descendantsCpu>, events: number): void {
  const { total, each } = cpuSpent(before, descendantsCpu());
  if (total === 0) return;
  // In-process services spend the bench's own CPU, which is not told apart from its publishing and reading.
  const services = SERVICES === 'in-process' ? ' (the services not counted: they run in this process)' : '';
  console.log(`  CPU ${(total / events).toFixed(2)} ms per event${services}: ${each.slice(0, 5).join(', ')}`);
}

/**
 * Records, on each change signal, the lag of every reservation of the room up to the signal's
 * cause (BENCH_OBSERVE=reads: of every reservation a read through the router then shows).
 */
async function followSignals(system: TestSystem, admin: string, js: ReturnType<typeof jetstream>, tracker: Tracker) {
  const consumer = await js.consumers.get('DASHBOARD', {
    filter_subjects: DASHBOARD_SIGNALS.filterSubject,
    deliver_policy: DeliverPolicy.New,
  });
  const messages = await consumer.consume();
  /** Rooms being read now; true when another signal came meanwhile (read again when done). */
  const reading = new Map<string, boolean>();
  const read = (roomId: string): void => {
    reading.set(roomId, false);
    void readRow(system, admin, tracker, roomId).finally(() => {
      const again = reading.get(roomId);
      reading.delete(roomId);
      if (again) read(roomId);
    });
  };
  const loop = (async () => {
    for await (const message of messages) {
      const signal = parseEnvelope(message.data);
      const roomId = signal.aggregateId;
      if (OBSERVE === 'signals') {
        const cause = signal.causationId === null ? undefined : tracker.sent.get(signal.causationId);
        if (cause?.roomId === roomId) record(tracker, roomId, cause.index + 1, performance.now());
        continue;
      }
      if (reading.has(roomId)) reading.set(roomId, true);
      else read(roomId);
    }
  })();
  return async () => {
    await messages.close();
    await loop;
  };
}

async function readRow(system: TestSystem, admin: string, tracker: Tracker, roomId: string): Promise<void> {
  const response = await system.graphql<{ roomDashboard: { reservationCounts: { pending: number } } | null }>(
    PENDING,
    { roomId },
    admin,
  );
  record(tracker, roomId, response.data?.roomDashboard?.reservationCounts.pending ?? 0, performance.now());
}

/** The room's first `shown` reservations are readable at `readAt`: records the lag of those not seen before. */
function record(tracker: Tracker, roomId: string, shown: number, readAt: number): void {
  const times = tracker.published.get(roomId) ?? [];
  for (let index = tracker.seen.get(roomId) ?? 0; index < Math.min(shown, times.length); index += 1) {
    tracker.lags.push(readAt - times[index]);
  }
  tracker.seen.set(roomId, Math.max(tracker.seen.get(roomId) ?? 0, shown));
}

/** Every room read through the router shows at least as many reservations as the bench counted readable. */
async function verifyThroughRouter(
  tracker: Tracker,
  system: TestSystem,
  admin: string,
  rooms: readonly { roomId: string }[],
): Promise<void> {
  for (const { roomId } of rooms) {
    const response = await system.graphql<{ roomDashboard: { reservationCounts: { pending: number } } | null }>(
      PENDING,
      { roomId },
      admin,
    );
    const shown = response.data?.roomDashboard?.reservationCounts.pending ?? 0;
    const counted = tracker.seen.get(roomId) ?? 0;
    if (shown < counted)
      throw new Error(`room ${roomId}: the router shows ${shown} reservations, ${counted} counted readable`);
  }
}

/** Waits until every reservation published has been seen readable (reading every room again when signals go quiet). */
async function untilReadable(
  tracker: Tracker,
  system: TestSystem,
  admin: string,
  rooms: readonly { roomId: string }[],
): Promise<void> {
  const deadline = Date.now() + DRAIN_TIMEOUT_MS;
  const total = () => [...tracker.seen.values()].reduce((sum, seen) => sum + seen, 0);
  const expected = [...tracker.published.values()].reduce((sum, times) => sum + times.length, 0);
  let last = -1;
  while (total() < expected) {
    if (Date.now() > deadline) {
      throw new Error(`only ${total()} of ${expected} changes readable after ${DRAIN_TIMEOUT_MS} ms`);
    }
    await sleep(250);
    if (total() === last) for (const { roomId } of rooms) await readRow(system, admin, tracker, roomId);
    last = total();
  }
}

/**
 * Waits until every room's row is readable, so the first rate starts on rows the dashboard knows.
 * (untilReadable waits only for reservations: a room's first row is written from another stream,
 * and reservations meeting rooms not yet written took the slow one-row way, 1-2 s for the first batch.)
 */
async function untilRoomsShown(system: TestSystem, admin: string, rooms: readonly { roomId: string }[]): Promise<void> {
  const deadline = Date.now() + DRAIN_TIMEOUT_MS;
  for (const { roomId } of rooms) {
    for (;;) {
      const response = await system.graphql<{ roomDashboard: unknown }>(PENDING, { roomId }, admin);
      if (response.data?.roomDashboard) break;
      if (Date.now() > deadline) throw new Error(`room ${roomId}'s row not readable after ${DRAIN_TIMEOUT_MS} ms`);
      await sleep(100);
    }
  }
}

/** The engine's floor: one update of a small document per "event", straight through the driver, 8 at once for 5 s. */
async function driverUpdatesPerSecond(mongoUrl: string, databaseName: string): Promise<number> {
  const client = await new MongoClient(mongoUrl).connect();
  try {
    const rows = client.db(databaseName).collection<{ _id: string; pending: number }>('rows');
    await rows.insertMany(Array.from({ length: ROOMS }, (_, index) => ({ _id: `room-${index}`, pending: 0 })));
    let done = 0;
    const until = performance.now() + 5_000;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (performance.now() < until) {
          await rows.updateOne({ _id: `room-${done % ROOMS}` }, { $inc: { pending: 1 } });
          done += 1;
        }
      }),
    );
    await client.db(databaseName).dropDatabase();
    return done / 5;
  } finally {
    await client.close();
  }
}

function report(label: string, lags: readonly number[]): { p50: number; p99: number } {
  const sorted = [...lags].sort((a, b) => a - b);
  console.log(
    `${label.padEnd(44)} n=${String(sorted.length).padStart(5)}  p50=${percentile(sorted, 50).toFixed(0).padStart(6)} ms  p99=${percentile(sorted, 99).toFixed(0).padStart(6)} ms  max=${(sorted.at(-1) ?? NaN).toFixed(0).padStart(6)} ms`,
  );
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
