import http from 'node:http';
import { EventFamily } from '@roombook/contracts';
import { Schema } from 'mongoose';
import { parse } from 'graphql';
import { z } from 'zod';
import {
  DEV_SUBGRAPH_SECRET,
  InternalTokens,
  IDENTITY_HEADER,
  consumerOf,
  connectBroker,
  createLogger,
  saveVersioned,
  startSubgraph,
  subgraphEnv,
  withOutbox,
  type Broker,
  type RunningService,
} from '../src';
import { gate } from '../../../test/support/gate';
import { dropDatabases, testMongoUrl, uniqueDbPrefix } from '../../../test/support/mongo';
import { startNatsServer, type TestNatsServer } from '../../../test/support/natsServer';
import { eventually, readStream } from '../../../test/support/streams';

/**
 * The order a subgraph stops in on SIGTERM, step by step, against the real servers: not ready at
 * once while still answering; then no new connections while an in-flight request finishes; the
 * message being handled finishes and is acked; what they wrote is published; then it exits.
 */
const DRAIN_DELAY_MS = 1_500;
const family = new EventFamily(
  'ROOMS',
  { Knocked: { subject: 'rooms.drain.knocked', data: z.object({ door: z.string() }) } },
  { filterSubject: 'rooms.drain.>' },
);

let nats: TestNatsServer;
let prefix: string;
let publisher: Broker;
const requestEntered = gate();
const requestMayFinish = gate();
const messageEntered = gate();
const messageMayFinish = gate();
const handled: string[] = [];

beforeAll(async () => {
  nats = await startNatsServer();
  prefix = uniqueDbPrefix();
  publisher = await connectBroker(nats.url, 'drain-test', createLogger('drain-test', 'silent'));
});
afterAll(async () => {
  await publisher.close();
  await nats.close();
  await dropDatabases(prefix);
});

async function startDrill(): Promise<RunningService> {
  const config = subgraphEnv.parse({
    PORT: '0',
    MONGO_URL: testMongoUrl(),
    MONGO_DB_PREFIX: prefix,
    NATS_URL: nats.url,
    LOG_LEVEL: 'silent',
    NODE_ENV: 'test',
    DRAIN_DELAY_MS: String(DRAIN_DELAY_MS),
  });
  return startSubgraph('drill', config, ({ database, outbox }) => {
    const schema = new Schema({ _id: String, version: Number }, { versionKey: false });
    schema.plugin(withOutbox);
    const doors = database.model('Door', schema, 'doors');
    outbox.track(doors.collection);
    return {
      typeDefs: parse(`type Query { ping: String!  knock(door: String!): String! }`),
      resolvers: {
        Query: {
          ping: () => 'pong',
          // A slow request that writes an event as it ends, as a mutation would.
          knock: async (_parent: unknown, { door }: { door: string }) => {
            await doors.create({ _id: door, version: 1 });
            requestEntered.open();
            await requestMayFinish.opened;
            await saveVersioned(doors, outbox, {
              id: door,
              expectedVersion: 1,
              set: { version: 2 },
              events: [family.create('Knocked', { aggregateId: door, aggregateVersion: 2, data: { door } })],
            });
            return door;
          },
        },
      },
      consumers: [
        consumerOf({
          durable: 'drill-knocks',
          events: family,
          handle: async (event) => {
            if (event.data.door === 'slow-message') {
              messageEntered.open();
              await messageMayFinish.opened;
            }
            handled.push(event.data.door);
          },
        }),
      ],
    };
  });
}

/** One request on a connection of its own, as a new client (or a load balancer's new connection) would open. */
function request(
  port: number,
  path: string,
  body?: object,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: body ? 'POST' : 'GET',
        agent: false,
        headers: body ? { 'content-type': 'application/json', ...headers } : headers,
      },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body ? JSON.stringify(body) : undefined);
  });
}

const refused = (port: number) =>
  request(port, '/health/live').then(
    () => false,
    (error: NodeJS.ErrnoException) => error.code === 'ECONNREFUSED',
  );

it('drains on stop: not ready at once but answering, then in-flight work finishes, is acked and published, then it exits', async () => {
  const service = await startDrill();
  const { port } = service;
  const token = await new InternalTokens(DEV_SUBGRAPH_SECRET, 'test').sign(
    { kind: 'service', service: 'test' },
    'drill',
  );
  const identity = { [IDENTITY_HEADER]: token };
  const graphql = (query: string) => request(port, '/graphql', { query }, identity);
  expect((await request(port, '/health/ready')).status).toBe(200);

  // A request and a message in the middle of being handled when SIGTERM comes.
  const knock = graphql('{ knock(door: "front") }');
  await requestEntered.opened;
  const slowMessage = family.create('Knocked', {
    aggregateId: 'slow',
    aggregateVersion: 1,
    data: { door: 'slow-message' },
  });
  const { subject, ...envelope } = slowMessage;
  const { seq } = await publisher.jetstream.publish(subject, JSON.stringify(envelope), { msgID: envelope.id });
  await messageEntered.opened;

  let stopped = false;
  const stopping = service.stop().then(() => (stopped = true));

  // Not ready at once, while still answering everything (load balancers have not noticed yet).
  expect((await request(port, '/health/ready')).status).toBe(503);
  expect((await request(port, '/health/live')).status).toBe(200);
  expect(JSON.parse((await graphql('{ ping }')).body)).toEqual({ data: { ping: 'pong' } });

  // After the drain delay: no new connections, while the request and the message are still being handled.
  await eventually(
    () => refused(port),
    (isRefused) => isRefused,
    { timeoutMs: DRAIN_DELAY_MS + 10_000 },
  );
  expect(stopped).toBe(false);

  requestMayFinish.open();
  const answer = await knock;
  expect(answer.status).toBe(200);
  expect(JSON.parse(answer.body)).toEqual({ data: { knock: 'front' } });
  expect(stopped).toBe(false);

  messageMayFinish.open();
  await stopping;

  // The message was handled once and acked: nothing waits for redelivery to the next replica.
  expect(handled).toEqual(['slow-message']);
  const consumer = await publisher.manager.consumers.info('ROOMS', 'drill-knocks');
  expect(consumer.ack_floor.stream_seq).toBeGreaterThanOrEqual(seq);
  expect(consumer.num_ack_pending).toBe(0);
  expect(consumer.num_redelivered).toBe(0);
  // The event the last request wrote went out before the service stopped.
  const knocked = (await readStream(nats.url, 'ROOMS')).filter(({ event }) => event.aggregateId === 'front');
  expect(knocked.map(({ event }) => event.type)).toEqual(['Knocked']);
});
