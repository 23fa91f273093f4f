/**
 * The metrics an operator reads when bookings hang: after a booking, a declined payment and a
 * dead-lettered event, each shows the right value; and no label takes values that grow with
 * traffic (ids, or any operation name a client makes up).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { RESERVATION_EVENTS, createEvent } from '@roombook/contracts';
import { jetstream } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { parse as parseYaml } from 'yaml';
import { ROUTER_PORT, SUBGRAPHS as CATALOG } from '../subgraphs/catalog';
import { registerRoom, stayBooker } from './support/booking';
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

const bookStay = stayBooker(() => system, { firstNight: 20, nights: 1 });
const book = (roomId: string, card = 'tok_visa', operation = BOOK) => bookStay(roomId, guest, { card, operation });

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

describe('the operations assets under deploy/observability', () => {
  const ROOT = path.resolve(__dirname, '..');
  const read = (file: string) => readFileSync(path.join(ROOT, 'deploy/observability', file), 'utf8');
  /** PromQL functions and keywords that look like metric names (an underscore in them). */
  const NOT_METRICS = new Set([
    'histogram_quantile',
    'label_replace',
    'label_join',
    'count_values',
    'absent_over_time',
  ]);
  const metricsIn = (expression: string) =>
    [...expression.replace(/"[^"]*"/g, '""').matchAll(/\b([a-z_][a-z0-9_]*)\b/g)]
      .map((match) => match[1])
      .filter((token) => token.includes('_') && !NOT_METRICS.has(token));

  it('query only metrics the services expose, in a dashboard and alert rules that parse', async () => {
    const dashboard = JSON.parse(read('grafana/dashboards/roombook.json')) as {
      panels: { title: string; targets: { expr: string }[] }[];
    };
    const alerts = parseYaml(read('prometheus/alerts.yml')) as {
      groups: { rules: { alert: string; expr: string }[] }[];
    };
    for (const file of [
      'otel-collector.yaml',
      'prometheus/prometheus.yml',
      'grafana/provisioning/datasources/prometheus.yml',
    ]) {
      expect(() => parseYaml(read(file))).not.toThrow();
    }
    const queried = new Map<string, string>();
    for (const panel of dashboard.panels) {
      for (const { expr } of panel.targets)
        for (const metric of metricsIn(expr)) queried.set(metric, `panel "${panel.title}"`);
    }
    for (const { rules } of alerts.groups) {
      for (const rule of rules) for (const metric of metricsIn(rule.expr)) queried.set(metric, `alert ${rule.alert}`);
    }
    expect(queried.size).toBeGreaterThan(10);

    // Names come from the TYPE lines: a labelled counter nothing has counted yet has no sample.
    const exposed = new Set<string>();
    for (const service of ['router', ...SUBGRAPHS] as const) {
      const text = await (await fetch(urlOf(service).replace(/\/graphql$/, '/metrics'))).text();
      for (const [, name, type] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
        exposed.add(name);
        if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) exposed.add(name + suffix);
      }
    }
    const missing = [...queried]
      .filter(([metric]) => !exposed.has(metric))
      .map(([metric, where]) => `${metric} (${where})`);
    expect(missing).toEqual([]);
  });

  it('scrape every service where docker-compose runs it', () => {
    const prometheus = parseYaml(read('prometheus/prometheus.yml')) as {
      scrape_configs: { static_configs: { targets: string[] }[] }[];
    };
    const targets = prometheus.scrape_configs.flatMap((config) =>
      config.static_configs.flatMap((group) => group.targets),
    );
    expect(targets.sort()).toEqual(
      [...CATALOG.map(({ name, port }) => `${name}:${port}`), `router:${ROUTER_PORT}`].sort(),
    );
  });
});
