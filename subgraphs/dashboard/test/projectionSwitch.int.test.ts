import { PAYMENT_EVENTS, RESERVATION_EVENTS, REVIEW_EVENTS, ROOM_EVENTS, type OutboxEntry } from '@roombook/contracts';
import { connectDatabase, type Broker } from '@roombook/kernel';
import type { Connection } from 'mongoose';
import { dropDatabases, testMongoUrl, uniqueDbPrefix } from '../../../test/support/mongo';
import type { RoomDashboardView } from '../src/domain/roomDashboard';
import type { SourceEvent } from '../src/projecting/facts';
import { DashboardProjection } from '../src/projecting/projection';
import type { ProjectionVersionRegistry, ProjectionVersions } from '../src/projectionVersions';
import { HistoryWriter } from './eventHistory';

/**
 * Around a rebuild's switch, processes act on versions read up to VERSIONS_CACHE_MS before, so a
 * reader told of a row's change may read another version than the one its announcer took for the
 * active one: a rebuild's (the announcer read versions before the switch, the reader after) or the
 * one queries read until the switch (the other way round).
 */

const prefix = uniqueDbPrefix();
let database: Connection;

beforeAll(async () => {
  database = await connectDatabase(testMongoUrl(), `${prefix}_dashboard`);
});
afterAll(async () => {
  await database.close();
  await dropDatabases(prefix);
});

const FAMILIES = [ROOM_EVENTS, RESERVATION_EVENTS, PAYMENT_EVENTS, REVIEW_EVENTS];
const sourceEvent = (entry: OutboxEntry) => FAMILIES.map((family) => family.parse(entry)).find(Boolean) as SourceEvent;

let version = 0;

it.each<[string, (first: number, second: number) => ProjectionVersions]>([
  ['a version being built', (first, second) => ({ active: first, building: second })],
  ['a version retiring after a switch', (first, second) => ({ active: second, building: null, retiring: first })],
])('announces a change only once it is in %s too', async (_, versionsOf) => {
  const first = (version += 2) - 1;
  const second = version;
  const versions = { recent: async () => versionsOf(first, second) } as unknown as ProjectionVersionRegistry;
  /** Each version's row as a reader acting on a signal would find it, read as the signal is published. */
  const atSignals: { first: RoomDashboardView | null; second: RoomDashboardView | null }[] = [];
  const broker = {
    jetstream: {
      publish: async (_subject: string, data: string) => {
        const { aggregateId } = JSON.parse(data) as { aggregateId: string };
        atSignals.push({
          first: await projection.rowsOf(first).get(aggregateId),
          second: await projection.rowsOf(second).get(aggregateId),
        });
      },
    },
  } as unknown as Broker;
  const projection = new DashboardProjection(database, versions, broker);

  const history = new HistoryWriter();
  const room = history.room(undefined, 'hana');
  history.reservation(room, 'pending');
  const [registered, ...reservation] = history.events.map(sourceEvent);
  await projection.projectAll([registered]);
  await projection.projectAll(reservation);

  expect(atSignals.length).toBeGreaterThanOrEqual(2);
  for (const { first: inFirst, second: inSecond } of atSignals) expect(inFirst).toEqual(inSecond);
  expect(atSignals.at(-1)!.second?.reservationCounts.pending).toBe(1);
});
