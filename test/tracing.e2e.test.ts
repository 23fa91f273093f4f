/**
 * One trace follows a booking: the router's operation, its fetches to reservation and payment,
 * the event reservation publishes, payment charging from it, the event payment publishes, and
 * reservation confirming from that (and the dashboard projecting them), across processes and NATS. Every service runs as a process
 * of its own, exporting over OTLP to a real receiver; the booking's log lines carry the trace id.
 */
import { randomBytes } from 'node:crypto';
import { RESERVE, RESERVATION, registerRoom, stay } from './support/booking';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from './support/otlpReceiver';
import { eventually } from './support/streams';
import { startSystem, type TestSystem } from './support/system';
import { tokenFor } from './support/tokens';

/**
 * Every service here runs from source as its own process: on a machine whose cores are all busy,
 * settling the booking and exporting its spans can take far longer than on an idle one. The
 * waits end as soon as what they wait for is there.
 */
const SETTLE_MS = 60_000;
jest.setTimeout(4 * SETTLE_MS);

let receiver: OtlpReceiver;
let system: TestSystem;
const logLines: { service: string; line: string }[] = [];

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  system = await startSystem(['room', 'payment', 'reservation', 'dashboard'], {
    processes: {
      environment: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, LOG_LEVEL: 'info' },
      onLine: (service, line) => logLines.push({ service, line }),
    },
    // Payment answers after reservation stopped waiting: the booking stays PENDING, payment charges
    // from ReservationRequested, and reservation confirms from PaymentApproved.
    subgraphs: { payment: { PAYMENT_LATENCY_MS: '1500' }, reservation: { PAYMENT_TIMEOUT_MS: '300' } },
  });
}, 180_000);
afterAll(async () => {
  await system?.stop();
  await receiver?.stop();
});

it('follows a booking from the client through the router, the subgraphs and both events, in one trace', async () => {
  const [host, guest] = await Promise.all([tokenFor('hana', ['HOST']), tokenFor('gus', ['GUEST'])]);
  const roomId = await registerRoom(system, host);
  const traceId = randomBytes(16).toString('hex');
  const response = await fetch(system.routerUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${guest}`,
      traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01`,
    },
    body: JSON.stringify({ query: RESERVE, variables: { input: stay(roomId, 5, 7) } }),
  });
  const { data } = (await response.json()) as { data: { reserveRoom: { id: string; status: string } } };
  expect(data.reserveRoom.status).toBe('PENDING');
  const reservationId = data.reserveRoom.id;
  await eventually(
    async () => (await system.graphql(RESERVATION, { id: reservationId }, guest)).data?.reservation.status,
    (status) => status === 'CONFIRMED',
    { timeoutMs: SETTLE_MS },
  );

  const inTrace = (matches: (span: ReceivedSpan) => boolean) => () =>
    Promise.resolve(receiver.spans.filter((span) => span.traceId === traceId && matches(span)));
  const spanOf = async (what: string, matches: (span: ReceivedSpan) => boolean) =>
    (
      await eventually(inTrace(matches), (found) => found.length > 0, { timeoutMs: SETTLE_MS }).catch(() => {
        throw new Error(`no span of the booking's trace is ${what}`);
      })
    )[0];

  const operation = await spanOf(
    "the router's operation",
    (s) => s.service === 'router' && s.name === 'gateway.request',
  );
  expect(operation.attributes['graphql.operation.type']).toBe('mutation');
  await spanOf(
    "the router's fetch from reservation",
    (s) => s.name === 'gateway.fetch' && s.attributes.service === 'reservation',
  );
  await spanOf('reservation answering the router', (s) => s.service === 'reservation' && s.kind === 2);
  await spanOf('reservation asking payment to authorize', (s) => s.service === 'payment' && s.kind === 2);
  await spanOf(
    'a MongoDB command of reservation',
    (s) => s.service === 'reservation' && s.attributes['db.system.name'] === 'mongodb',
  );
  const requested = await spanOf(
    'reservation publishing ReservationRequested',
    (s) => s.service === 'reservation' && s.name === 'publish reservations.requested',
  );
  const charging = await spanOf(
    'payment handling ReservationRequested',
    (s) => s.service === 'payment' && s.name === 'process reservations.requested',
  );
  expect(charging.parentSpanId).toBe(requested.spanId);
  expect(charging.attributes['roombook.correlation_id']).toBe(reservationId);
  // The dashboard takes its events in batches, and each event's handling is still in its own trace.
  const projecting = await spanOf(
    'the dashboard handling ReservationRequested',
    (s) => s.service === 'dashboard' && s.name === 'process reservations.requested',
  );
  expect(projecting.parentSpanId).toBe(requested.spanId);
  const approved = await spanOf(
    'payment publishing PaymentApproved',
    (s) => s.service === 'payment' && s.name === 'publish payments.approved',
  );
  const confirming = await spanOf(
    'reservation handling PaymentApproved',
    (s) => s.service === 'reservation' && s.name === 'process payments.approved',
  );
  expect(confirming.parentSpanId).toBe(approved.spanId);

  // The log lines written for this booking name its trace, and while handling an event, its correlation id.
  // They come through each service's stdout pipe, which may lag behind what the spans showed.
  const bookingLines = async () =>
    logLines
      .map(({ service, line }) => ({ service, entry: parseJson(line) }))
      .filter(({ entry }) => entry?.trace_id === traceId);
  const hasLine = (lines: Awaited<ReturnType<typeof bookingLines>>, service: string, msg: string) =>
    lines.some((line) => line.service === service && line.entry?.msg === msg);
  const booking = await eventually(
    bookingLines,
    (lines) => hasLine(lines, 'payment', 'charge settled') && hasLine(lines, 'reservation', 'reservation moved'),
    { timeoutMs: SETTLE_MS },
  ).catch(async () => bookingLines());
  expect(booking).toContainEqual({
    service: 'payment',
    entry: expect.objectContaining({ msg: 'charge settled', reservationId, span_id: expect.any(String) }),
  });
  // Written while reservation handled PaymentApproved: the event's correlation id too.
  expect(booking).toContainEqual({
    service: 'reservation',
    entry: expect.objectContaining({ msg: 'reservation moved', status: 'CONFIRMED', correlation_id: reservationId }),
  });
});

function parseJson(line: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}
