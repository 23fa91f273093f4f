/**
 * The metrics an operator reads when bookings hang: after a booking, a declined payment and a
 * dead-lettered event, each shows the right value; and no label takes values that grow with
 * traffic (ids, or any operation name a client makes up).
 */
import { RESERVATION_EVENTS, createEvent } from '@roombook/contracts';
import { jetstream } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { registerRoom, stay } from './support/booking';
import { eventually } from './support/streams';
import { startSystem, type SubgraphName, type TestSystem } from './support/system';
import { tokenFor } from './support/tokens';

const SUBGRAPHS: readonly SubgraphName[] = ['room', 'payment', 'reservation', 'review', 'dashboard'];
const BOOK = `mutation Book($input: ReserveRoomInput!) { reserveRoom(input: $input) { id status } }`;

let system: TestSystem;
let host: string;
let guest: string;

beforeAll(async () => {
  system = await startSystem([...SUBGRAPHS]);
  [host, guest] = await Promise.all([tokenFor('hana', ['HOST']), tokenFor('gus', ['GUEST'])]);
});
afterAll(() => system.stop());

/** One scrape: each sample as "name{labels}" → value. */
async function scrape(url: string): Promise<Map<string, number>> {
  const text = await (await fetch(url.replace(/\/graphql$/, '/metrics'))).text();
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    samples.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return samples;
}

/** The value of the sample of `name` whose labels include all of `labels`. */
function valueOf(samples: Map<string, number>, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const [series, value] of samples) {
    if (!series.startsWith(`${name}{`) && series !== name) continue;
    if (Object.entries(labels).every(([key, label]) => series.includes(`${key}="${label}"`))) return value;
  }
  return undefined;
}

const urlOf = (name: SubgraphName | 'router') => (name === 'router' ? system.routerUrl : system.subgraph(name).url);
const metricOf =
  (service: SubgraphName | 'router', name: string, labels: Record<string, string> = {}) =>
  async () =>
    valueOf(await scrape(urlOf(service)), name, labels);

let nextNight = 20;
async function book(roomId: string, card = 'tok_visa', operation = BOOK) {
  const checkIn = (nextNight += 3);
  const response = await system.graphql(
    operation,
    { input: stay(roomId, checkIn, checkIn + 1, { paymentMethod: { token: card } }) },
    guest,
  );
  expect(response.errors).toBeUndefined();
  return response.data!.reserveRoom as { id: string; status: string };
}

it('counts a booking, a declined payment and a dead-lettered event where an operator looks for them', async () => {
  const roomId = await registerRoom(system, host);
  expect((await book(roomId)).status).toBe('CONFIRMED');
  expect((await book(roomId, 'tok_declined')).status).toBe('REJECTED');
  const forbidden = await system.graphql(
    `query Snoop($id: ID!) { roomDashboard(roomId: $id) { roomId } }`,
    { id: roomId },
    guest,
  );
  expect(forbidden.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

  // A malformed ReservationRequested, as a faulty publisher would send it.
  const connection = await connect({ servers: system.nats.url });
  const malformed = createEvent({
    type: 'ReservationRequested',
    aggregateId: 'broken',
    aggregateVersion: 1,
    data: { reservationId: 'broken' },
  });
  await jetstream(connection).publish(
    RESERVATION_EVENTS.definitions.ReservationRequested.subject,
    JSON.stringify(malformed),
    { msgID: malformed.id },
  );
  await connection.close();

  const router = await scrape(system.routerUrl);
  expect(
    valueOf(router, 'graphql_operation_duration_seconds_count', { operation: 'Book', type: 'mutation', outcome: 'ok' }),
  ).toBe(2);
  expect(
    valueOf(router, 'graphql_operation_duration_seconds_count', {
      operation: 'Snoop',
      type: 'query',
      outcome: 'error',
    }),
  ).toBe(1);
  expect(valueOf(router, 'graphql_errors_total', { code: 'FORBIDDEN' })).toBe(1);
  expect(
    valueOf(router, 'subgraph_fetch_duration_seconds_count', { subgraph: 'reservation', outcome: 'ok' }),
  ).toBeGreaterThanOrEqual(2);
  expect(valueOf(router, 'live_subscriptions')).toBe(0);

  await eventually(
    metricOf('reservation', 'reservations_settled_total', { status: 'CONFIRMED' }),
    (value) => value === 1,
  );
  const reservation = await scrape(urlOf('reservation'));
  expect(valueOf(reservation, 'reservations_settled_total', { status: 'REJECTED' })).toBe(1);
  expect(valueOf(reservation, 'reservations_pending_too_long')).toBe(0);
  expect(valueOf(reservation, 'payment_circuit_open')).toBe(0);

  await eventually(
    metricOf('payment', 'events_consumed_total', { consumer: 'payment-reservations', outcome: 'dead_lettered' }),
    (value) => value === 1,
  );
  for (const service of SUBGRAPHS) {
    await eventually(metricOf(service, 'outbox_pending_events'), (value) => value === 0);
    expect(await metricOf(service, 'outbox_oldest_event_age_seconds')()).toBe(0);
  }
  await eventually(
    metricOf('payment', 'consumer_lag_messages', { consumer: 'payment-reservations', state: 'pending' }),
    (value) => value === 0,
  );
  expect(
    await metricOf('dashboard', 'consumer_lag_messages', { consumer: 'dashboard-rooms', state: 'unacked' })(),
  ).toBeDefined();
});

it('labels nothing with ids or made-up operation names, however much traffic comes', async () => {
  const ids: string[] = [];
  for (let round = 0; round < 3; round += 1) {
    const roomId = await registerRoom(system, host);
    ids.push(roomId, (await book(roomId)).id);
  }
  // A client naming every request differently.
  for (let index = 0; index < 120; index += 1) {
    await system.graphql(`query Made${index}Up { rooms(first: 1) { totalCount } }`);
  }
  for (const service of ['router', ...SUBGRAPHS] as const) {
    const samples = await scrape(urlOf(service));
    const labelValues = [...samples.keys()].flatMap((series) =>
      [...series.matchAll(/="([^"]*)"/g)].map((match) => match[1]),
    );
    for (const id of [...ids, 'hana', 'gus']) expect(labelValues).not.toContain(id);
    expect(labelValues.filter((value) => /^[0-9a-f]{24}$|^[0-9a-f-]{36}$/.test(value))).toEqual([]);
    if (service === 'router') {
      const operations = new Set(
        [...samples.keys()]
          .filter((series) => series.startsWith('graphql_operation_duration_seconds_count'))
          .map((series) => /operation="([^"]*)"/.exec(series)![1]),
      );
      expect(operations.size).toBeLessThanOrEqual(102);
      expect(operations).toContain('other');
    }
  }
});
