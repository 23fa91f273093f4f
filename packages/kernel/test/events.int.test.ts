import mongoose, { type Connection } from 'mongoose';
import {
  AggregateLock,
  EventConsumer,
  OutboxRelay,
  connectBroker,
  createEvent,
  createLogger,
  createMetrics,
  toOutboxEntry,
  type Broker,
  type EventEnvelope,
} from '../src';
import { dropDatabases, testMongoUrl, uniqueDbPrefix } from '../../../test/support/mongo';
import { startNatsServer, type TestNatsServer } from '../../../test/support/natsServer';
import { eventually, readStream } from '../../../test/support/streams';

const log = createLogger('kernel-test', 'silent');
let nats: TestNatsServer;
let broker: Broker;
let database: Connection;
let prefix: string;

beforeAll(async () => {
  nats = await startNatsServer();
  broker = await connectBroker(nats.url, 'kernel-test', log);
  prefix = uniqueDbPrefix();
  database = await mongoose.createConnection(testMongoUrl(), { dbName: `${prefix}_kernel` }).asPromise();
});
afterAll(async () => {
  await broker.close();
  await database.close();
  await nats.close();
  await dropDatabases(prefix);
});

function roomEvent(aggregateId: string, version: number, data: Record<string, unknown> = {}): EventEnvelope {
  return createEvent({ type: 'TestHappened', aggregateId, aggregateVersion: version, data });
}

async function publish(subject: string, event: EventEnvelope, msgID = event.id): Promise<void> {
  await broker.jetstream.publish(subject, JSON.stringify(event), { msgID });
}

describe('EventConsumer', () => {
  it('dead-letters a poison event after the bounded deliveries, with its error, and goes on with later events', async () => {
    const attemptsOfPoison: number[] = [];
    const handled: string[] = [];
    const consumer = new EventConsumer(
      {
        durable: 'poison-test',
        stream: 'ROOMS',
        filterSubject: 'rooms.poison-test.>',
        maxDeliveries: 3,
        redeliveryDelayMs: 20,
        handle: async (event) => {
          if (event.data && (event.data as { poison?: boolean }).poison) {
            attemptsOfPoison.push(Date.now());
            throw new Error('cannot digest this room');
          }
          handled.push(event.aggregateId);
        },
      },
      broker,
      database,
      log,
      createMetrics('kernel-test'),
    );
    await consumer.start();
    const poison = roomEvent('poisoned', 1, { poison: true });
    await publish('rooms.poison-test.changed', poison);
    await publish('rooms.poison-test.changed', roomEvent('after-1', 1));
    await publish('rooms.poison-test.changed', roomEvent('after-2', 1));

    const deadLetters = await eventually(
      () => readStream(nats.url, 'DEAD_LETTERS'),
      (stored) => stored.some(({ event }) => event.id === poison.id),
    );
    await eventually(
      async () => handled,
      (ids) => ids.length === 2,
    );
    await consumer.stop();

    expect(handled).toEqual(['after-1', 'after-2']);
    expect(attemptsOfPoison).toHaveLength(3);
    const letter = deadLetters.find(({ event }) => event.id === poison.id)!;
    expect(letter.subject).toBe('deadletter.poison-test');
    expect(letter.headers).toMatchObject({
      'Dead-Letter-Reason': 'cannot digest this room',
      'Dead-Letter-Subject': 'rooms.poison-test.changed',
      'Dead-Letter-Deliveries': '3',
      'Dead-Letter-Consumer': 'poison-test',
    });
  });

  it('handles an event once even when it is delivered again', async () => {
    const handled: string[] = [];
    const consumer = new EventConsumer(
      {
        durable: 'once-test',
        stream: 'ROOMS',
        filterSubject: 'rooms.once-test.>',
        handle: async (event) => void handled.push(event.id),
      },
      broker,
      database,
      log,
      createMetrics('kernel-test'),
    );
    await consumer.start();
    const event = roomEvent('twice', 1);
    // Two stream messages carrying the same event, as after a publisher crash outside the dedupe window.
    await publish('rooms.once-test.changed', event, `${event.id}-first`);
    await publish('rooms.once-test.changed', event, `${event.id}-second`);
    const marker = roomEvent('marker', 1);
    await publish('rooms.once-test.changed', marker);
    await eventually(
      async () => handled,
      (ids) => ids.includes(marker.id),
    );
    await consumer.stop();
    expect(handled).toEqual([event.id, marker.id]);
  });
});

describe('OutboxRelay', () => {
  it('publishes an event only once even if it was published before the relay crashed', async () => {
    const aggregates = database.collection<{ _id: string; outbox: unknown[] }>('aggregates');
    const first = toOutboxEntry('rooms.relay-test.changed', roomEvent('relay-aggregate', 1));
    const second = toOutboxEntry('rooms.relay-test.changed', roomEvent('relay-aggregate', 2));
    await aggregates.insertOne({ _id: 'relay-aggregate', outbox: [first, second] });
    // A previous relay published the first event and crashed before removing it from the outbox.
    const { subject: _subject, ...published } = first;
    await publish(first.subject, published);

    const relay = new OutboxRelay(broker, log, createMetrics('kernel-test'), new AggregateLock());
    relay.track(aggregates);
    expect(await relay.publishPending()).toBe(2);

    const stored = (await readStream(nats.url, 'ROOMS')).filter(({ event }) => event.aggregateId === 'relay-aggregate');
    expect(stored.map(({ event }) => event.id)).toEqual([first.id, second.id]);
    expect((await aggregates.findOne({ _id: 'relay-aggregate' }))?.outbox).toEqual([]);
  });
});

describe('AggregateLock on the real server', () => {
  it('keeps every one of many concurrent read-decide-write changes to one document', async () => {
    const counters = database.collection<{ _id: string; version: number; changes: number[] }>('counters');
    await counters.insertOne({ _id: 'contended', version: 0, changes: [] });
    const lock = new AggregateLock();
    const change = (n: number) =>
      lock.run('contended', async () => {
        for (;;) {
          const current = (await counters.findOne({ _id: 'contended' }))!;
          const result = await counters.updateOne(
            { _id: 'contended', version: current.version },
            { $set: { version: current.version + 1, changes: [...current.changes, n] } },
          );
          if (result.modifiedCount === 1) return;
        }
      });
    await Promise.all(Array.from({ length: 8 }, (_, n) => change(n)));
    const final = (await counters.findOne({ _id: 'contended' }))!;
    expect(final.version).toBe(8);
    expect([...final.changes].sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });
});
