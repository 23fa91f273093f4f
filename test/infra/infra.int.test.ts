import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { MongoClient } from 'mongodb';
import { dropDatabases, testMongoUrl, uniqueDbPrefix } from '../support/mongo';
import { startNatsServer, type TestNatsServer } from '../support/natsServer';

describe('local nats-server', () => {
  let nats: TestNatsServer;

  beforeAll(async () => {
    nats = await startNatsServer();
  });

  afterAll(async () => {
    await nats.close();
  });

  it('keeps a stream and its messages across a stop and a start on the same URL', async () => {
    const before = await connect({ servers: nats.url });
    await (await jetstreamManager(before)).streams.add({ name: 'INFRA', subjects: ['infra.>'] });
    const js = jetstream(before);
    await js.publish('infra.one', 'first');
    await js.publish('infra.two', 'second');
    await before.close();

    await nats.stop();
    await expect(connect({ servers: nats.url, reconnect: false })).rejects.toThrow();
    await nats.start();

    const after = await connect({ servers: nats.url });
    try {
      const streams = (await jetstreamManager(after)).streams;
      expect((await streams.info('INFRA')).state.messages).toBe(2);
      expect((await streams.getMessage('INFRA', { seq: 2 }))?.string()).toBe('second');
    } finally {
      await after.close();
    }
  });
});

describe("the test run's MongoDB-wire server", () => {
  const prefix = uniqueDbPrefix();

  afterAll(async () => {
    await dropDatabases(prefix);
  });

  it("accepts a write and reads it back, and drops the test's databases", async () => {
    const client = new MongoClient(testMongoUrl());
    try {
      const rooms = client.db(`${prefix}_infra`).collection<{ _id: string; name: string }>('rooms');
      await rooms.insertOne({ _id: 'room-1', name: 'Attic' });
      expect(await rooms.findOne({ _id: 'room-1' })).toEqual({ _id: 'room-1', name: 'Attic' });

      expect(await dropDatabases(prefix)).toEqual([`${prefix}_infra`]);
      const { databases } = await client.db('admin').admin().listDatabases({ nameOnly: true });
      expect(databases.map((database) => database.name)).not.toContain(`${prefix}_infra`);
    } finally {
      await client.close();
    }
  });
});
