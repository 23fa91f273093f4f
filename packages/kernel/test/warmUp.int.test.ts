import http from 'node:http';
import express from 'express';
import { EventFamily } from '@roombook/contracts';
import { MongoClient } from 'mongodb';
import { Schema } from 'mongoose';
import { parse } from 'graphql';
import { z } from 'zod';
import {
  DEV_SUBGRAPH_SECRET,
  IDENTITY_HEADER,
  InternalTokens,
  ServiceClient,
  createLogger,
  internalHandler,
  mountInternalHandlers,
  saveVersioned,
  scratchDatabaseName,
  startSubgraph,
  subgraphEnv,
  withOutbox,
  type RunningService,
  type WarmUp,
} from '../src';
import { findFreePort } from '../../../scripts/infra/ports';
import { gate } from '../../../test/support/gate';
import { dropDatabases, testMongoUrl, uniqueDbPrefix } from '../../../test/support/mongo';
import { startNatsServer, type TestNatsServer } from '../../../test/support/natsServer';
import { eventually, readStream } from '../../../test/support/streams';

/**
 * The warm-up a subgraph runs before it reports ready (warmUp.ts), against the real servers: its
 * requests reach a scratch copy of the service, whose writes land in a scratch database (dropped
 * afterwards), whose events are never published, and whose calls to other services reach
 * stand-ins; readiness answers 503 until it has run, or until its cap.
 */
const family = new EventFamily(
  'ROOMS',
  { Rung: { subject: 'rooms.warmup.rung', data: z.object({ bell: z.string() }) } },
  { filterSubject: 'rooms.warmup.>' },
);
/** Another service the drill calls on every ring (as reservation calls payment). */
const PEER_PING = {
  service: 'peer',
  path: '/internal/peer/ping',
  request: z.object({ bell: z.string() }),
  response: z.object({ answeredBy: z.string() }),
} as const;
const RING = `mutation($bell: String!) { ring(bell: $bell) }`;
const WARM_UP_RINGS = 12;
/** A cap no held warm-up reaches while a test looks at it. */
const HELD_CAP_MS = 600_000;
const SHORT_CAP_MS = 1_000;

let nats: TestNatsServer;
let prefix: string;
let mongo: MongoClient;
let peer: http.Server;
let peerUrl: string;
const peerCalls: string[] = [];

beforeAll(async () => {
  nats = await startNatsServer();
  prefix = uniqueDbPrefix();
  mongo = await new MongoClient(testMongoUrl()).connect();
  const app = express();
  const handler = internalHandler(PEER_PING, async ({ bell }) => {
    peerCalls.push(bell);
    return { answeredBy: 'the real peer' };
  });
  mountInternalHandlers(
    app,
    [handler],
    new InternalTokens(DEV_SUBGRAPH_SECRET, 'peer'),
    createLogger('peer', 'silent'),
  );
  peer = http.createServer(app);
  await new Promise<void>((resolve) => peer.listen(0, '127.0.0.1', resolve));
  peerUrl = `http://127.0.0.1:${(peer.address() as { port: number }).port}/graphql`;
});
afterAll(async () => {
  await new Promise((resolve) => peer.close(resolve));
  await mongo.close();
  await nats.close();
  await dropDatabases(prefix);
});

/** A subgraph whose one mutation writes a bell with an event and asks the peer, as a booking writes and asks payment. */
function startDrill(port: number, warmUp: WarmUp, environment = {}): Promise<RunningService> {
  const config = subgraphEnv.extend({ SUBGRAPH_PEER_URL: z.url() }).parse({
    PORT: String(port),
    MONGO_URL: testMongoUrl(),
    MONGO_DB_PREFIX: prefix,
    NATS_URL: nats.url,
    SUBGRAPH_PEER_URL: peerUrl,
    LOG_LEVEL: 'silent',
    NODE_ENV: 'test',
    ...environment,
  });
  return startSubgraph('drill', config, ({ config, database, outbox, tokens }) => {
    const schema = new Schema({ _id: String, version: Number, answeredBy: String }, { versionKey: false });
    schema.plugin(withOutbox);
    const bells = database.model('Bell', schema, 'bells');
    outbox.track(bells.collection);
    const client = new ServiceClient('drill', tokens);
    return {
      typeDefs: parse(`type Query { ping: String! }  type Mutation { ring(bell: String!): String! }`),
      resolvers: {
        Query: { ping: () => 'pong' },
        Mutation: {
          ring: async (_parent: unknown, { bell }: { bell: string }) => {
            const { answeredBy } = await client.call(config.SUBGRAPH_PEER_URL, PEER_PING, { bell }, 5_000);
            await bells.create({ _id: bell, version: 1, answeredBy });
            await saveVersioned(bells, outbox, {
              id: bell,
              expectedVersion: 1,
              set: { version: 2 },
              events: [family.create('Rung', { aggregateId: bell, aggregateVersion: 2, data: { bell } })],
            });
            return answeredBy;
          },
        },
      },
      warmUp,
    };
  });
}

function get(port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      })
      .on('error', reject);
  });
}

async function ringAsTheRouter(port: number, bell: string): Promise<unknown> {
  const token = await new InternalTokens(DEV_SUBGRAPH_SECRET, 'router').sign(
    { kind: 'user', userId: 'u', roles: ['GUEST'] },
    'drill',
  );
  const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [IDENTITY_HEADER]: token },
    body: JSON.stringify({ query: RING, variables: { bell } }),
  });
  return response.json();
}

const databases = async () => (await mongo.db().admin().listDatabases()).databases.map(({ name }) => name);

it('holds readiness until the warm-up has run, which writes only to its scratch database, publishes nothing and calls only stand-ins', async () => {
  const port = await findFreePort();
  const warmedUp = gate();
  const mayFinish = gate();
  const answers: unknown[] = [];
  const standInCalls: string[] = [];
  // Held by the test, not by the clock: on a loaded machine the steps below may outlast the default cap.
  const starting = startDrill(
    port,
    {
      standIns: [
        internalHandler(PEER_PING, async ({ bell }) => {
          standInCalls.push(bell);
          return { answeredBy: 'a stand-in' };
        }),
      ],
      async run(scratch) {
        const guest = { kind: 'user', userId: 'warm', roles: ['GUEST'] } as const;
        for (let ring = 0; ring < WARM_UP_RINGS; ring += 1) {
          answers.push(await scratch.graphql(RING, { bell: `warm-${ring}` }, guest));
        }
        warmedUp.open();
        await mayFinish.opened;
      },
    },
    { WARMUP_CAP_MS: String(HELD_CAP_MS) },
  );
  let started = false;
  void starting.then(() => (started = true));
  await warmedUp.opened;

  // Listening (alive), not ready, while the warm-up runs.
  expect(await get(port, '/health/live')).toBe(200);
  expect(await get(port, '/health/ready')).toBe(503);
  expect(started).toBe(false);
  // Its rings went the whole way, to the stand-in, and into the scratch database only, their events unpublished.
  expect(answers).toEqual(Array.from({ length: WARM_UP_RINGS }, () => ({ data: { ring: 'a stand-in' } })));
  expect(standInCalls).toHaveLength(WARM_UP_RINGS);
  expect(peerCalls).toEqual([]);
  const realDatabase = `${prefix}_drill`;
  const scratch = mongo.db(scratchDatabaseName(realDatabase)).collection('bells');
  expect(await scratch.countDocuments({ version: 2, 'outbox.0': { $exists: true } })).toBe(WARM_UP_RINGS);
  expect(await mongo.db(realDatabase).collection('bells').countDocuments()).toBe(0);

  mayFinish.open();
  const service = await starting;
  try {
    expect(await get(port, '/health/ready')).toBe(200);
    expect(await databases()).not.toContain(scratchDatabaseName(realDatabase));

    // A real ring reaches the real peer and is published; it is the only bell and the only event.
    expect(await ringAsTheRouter(port, 'real')).toEqual({ data: { ring: 'the real peer' } });
    expect(peerCalls).toEqual(['real']);
    const published = await eventually(
      () => readStream(nats.url, 'ROOMS'),
      (stored) => stored.length > 0,
    );
    expect(published.map(({ event }) => event.data)).toEqual([{ bell: 'real' }]);
    expect(await mongo.db(realDatabase).collection('bells').distinct('_id')).toEqual(['real']);
  } finally {
    await service.stop();
  }
});

it('is ready after the cap when the warm-up does not finish', async () => {
  const port = await findFreePort();
  let aborted = false;
  const startedAt = performance.now();
  const service = await startDrill(
    port,
    {
      run: (_scratch, signal) =>
        new Promise<void>((resolve) => {
          signal.addEventListener('abort', () => {
            aborted = true;
            resolve();
          });
        }),
    },
    { WARMUP_CAP_MS: String(SHORT_CAP_MS) },
  );
  try {
    expect(aborted).toBe(true);
    expect(performance.now() - startedAt).toBeGreaterThanOrEqual(SHORT_CAP_MS);
    expect(await get(port, '/health/ready')).toBe(200);
  } finally {
    await service.stop();
  }
});

it('runs no warm-up with WARMUP=off', async () => {
  const port = await findFreePort();
  let ran = false;
  const service = await startDrill(
    port,
    {
      run: async () => {
        ran = true;
      },
    },
    { WARMUP: 'off' },
  );
  try {
    expect(ran).toBe(false);
    expect(await get(port, '/health/ready')).toBe(200);
  } finally {
    await service.stop();
  }
});
