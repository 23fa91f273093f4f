import { EventFamily, createEvent, type EventEnvelope, type OutboxEntry } from '@roombook/contracts';
import mongoose, { Schema, type Connection } from 'mongoose';
import { z } from 'zod';
import {
  AggregateLock,
  EventConsumer,
  MongoAggregateStore,
  OutboxRelay,
  aggregateSchema,
  connectBroker,
  engineOf,
  consumerOf,
  createLogger,
  createMetrics,
  replayStream,
  saveVersioned,
  withOutbox,
  type Broker,
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

/** A family of test events on the ROOMS stream, each test under its own subject prefix. */
function testFamily(prefixSubject: string) {
  return new EventFamily(
    'ROOMS',
    { Counted: { subject: `rooms.${prefixSubject}.counted`, data: z.object({ by: z.number().int().positive() }) } },
    { filterSubject: `rooms.${prefixSubject}.>` },
  );
}
const counted = (family: ReturnType<typeof testFamily>, aggregateId: string, version: number, by = 1) =>
  family.create('Counted', { aggregateId, aggregateVersion: version, data: { by } });

async function publish(entry: OutboxEntry, msgID = entry.id): Promise<number> {
  const { subject, ...envelope } = entry;
  return (await broker.jetstream.publish(subject, JSON.stringify(envelope), { msgID })).seq;
}

function start<Event extends EventEnvelope>(spec: Parameters<typeof consumerOf<Event>>[0]) {
  const consumer = new EventConsumer(consumerOf(spec), broker, log, createMetrics('kernel-test'));
  return consumer.start().then(() => consumer);
}

describe('EventConsumer', () => {
  it('dead-letters a failing event after the bounded deliveries, with its error, and goes on with later events', async () => {
    const family = testFamily('poison');
    const attemptsOfPoison: number[] = [];
    const handled: string[] = [];
    const consumer = await start({
      durable: 'poison-test',
      events: family,
      maxDeliveries: 3,
      redeliveryDelayMs: 20,
      handle: async (event) => {
        if (event.aggregateId === 'poisoned') {
          attemptsOfPoison.push(Date.now());
          throw new Error('cannot digest this room');
        }
        handled.push(event.aggregateId);
      },
    });
    const poison = counted(family, 'poisoned', 1);
    await publish(poison);
    await publish(counted(family, 'after-1', 1));
    await publish(counted(family, 'after-2', 1));

    const deadLetters = await eventually(
      () => readStream(nats.url, 'DEAD_LETTERS'),
      (stored) => stored.some(({ event }) => event.id === poison.id),
    );
    await eventually(
      async () => handled,
      (ids) => ids.length === 2,
    );
    await consumer.stop();

    expect(handled.sort()).toEqual(['after-1', 'after-2']);
    expect(attemptsOfPoison).toHaveLength(3);
    const letter = deadLetters.find(({ event }) => event.id === poison.id)!;
    expect(letter.subject).toBe('deadletter.poison-test');
    expect(letter.headers).toMatchObject({
      'Dead-Letter-Reason': 'Error: cannot digest this room',
      'Dead-Letter-Subject': 'rooms.poison.counted',
      'Dead-Letter-Deliveries': '3',
      'Dead-Letter-Consumer': 'poison-test',
    });
  });

  it('dead-letters an event that breaks its contract at once, naming the field, without calling the handler', async () => {
    const family = testFamily('malformed');
    const handled: string[] = [];
    const consumer = await start({
      durable: 'malformed-test',
      events: family,
      handle: async (event) => void handled.push(event.aggregateId),
    });
    const malformed = {
      ...createEvent({ type: 'Counted', aggregateId: 'bad', aggregateVersion: 1, data: { by: -2 } }),
    };
    await publish({ ...malformed, subject: 'rooms.malformed.counted' });
    await publish({
      subject: 'rooms.malformed.counted',
      ...createEvent({ type: 'Counted', aggregateId: 'x', aggregateVersion: 0, data: {} }),
    });
    await publish(counted(family, 'good', 1));

    const letters = await eventually(
      () => readStream(nats.url, 'DEAD_LETTERS'),
      (stored) => stored.filter(({ headers }) => headers['Dead-Letter-Consumer'] === 'malformed-test').length === 2,
    );
    await eventually(
      async () => handled,
      (ids) => ids.includes('good'),
    );
    await consumer.stop();
    const reasons = letters
      .filter(({ headers }) => headers['Dead-Letter-Consumer'] === 'malformed-test')
      .map(({ headers }) => headers);
    expect(reasons.map((headers) => headers['Dead-Letter-Deliveries'])).toEqual(['1', '1']);
    expect(reasons[0]['Dead-Letter-Reason']).toMatch(/^MalformedEvent: Counted .* breaks its contract: by: /);
    expect(reasons[1]['Dead-Letter-Reason']).toMatch(
      /^MalformedEvent: message is not an event envelope: aggregateVersion/,
    );
    expect(handled).toEqual(['good']);
  });

  it("handles one aggregate's events in stream order, and several aggregates at once", async () => {
    const family = testFamily('order');
    const seen = new Map<string, number[]>();
    let running = 0;
    let mostAtOnce = 0;
    const consumer = await start({
      durable: 'order-test',
      events: family,
      concurrency: 4,
      handle: async (event) => {
        running += 1;
        mostAtOnce = Math.max(mostAtOnce, running);
        await new Promise((resolve) => setTimeout(resolve, 5));
        seen.set(event.aggregateId, [...(seen.get(event.aggregateId) ?? []), event.aggregateVersion]);
        running -= 1;
      },
    });
    for (let version = 1; version <= 10; version += 1) {
      for (const aggregate of ['a', 'b', 'c', 'd']) await publish(counted(family, aggregate, version));
    }
    await eventually(
      async () => [...seen.values()].flat().length,
      (count) => count === 40,
    );
    await consumer.stop();
    for (const aggregate of ['a', 'b', 'c', 'd']) expect(seen.get(aggregate)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(mostAtOnce).toBeGreaterThan(1);
    expect(mostAtOnce).toBeLessThanOrEqual(4);
  });

  it('skips an event type it does not know (a newer publisher) and goes on', async () => {
    const family = testFamily('unknown');
    const handled: string[] = [];
    const consumer = await start({
      durable: 'unknown-test',
      events: family,
      handle: async (event) => void handled.push(event.aggregateId),
    });
    await publish({
      subject: 'rooms.unknown.teleported',
      ...createEvent({ type: 'Teleported', aggregateId: 'new', aggregateVersion: 1, data: {} }),
    });
    await publish(counted(family, 'known', 1));
    await eventually(
      async () => handled,
      (ids) => ids.length === 1,
    );
    await consumer.stop();
    expect(handled).toEqual(['known']);
    expect(
      (await readStream(nats.url, 'DEAD_LETTERS')).filter(
        ({ headers }) => headers['Dead-Letter-Consumer'] === 'unknown-test',
      ),
    ).toEqual([]);
  });
});

describe('EventConsumer with handleBatch', () => {
  it('hands over what arrived while a batch was handled in one call, and acks, retries or dead-letters each event by its own outcome', async () => {
    const family = testFamily('batch');
    const batches: string[][] = [];
    let openGate!: () => void;
    const gate = new Promise<void>((resolve) => (openGate = resolve));
    const consumer = await start({
      durable: 'batch-test',
      events: family,
      maxDeliveries: 2,
      redeliveryDelayMs: 20,
      handle: async () => {
        throw new Error('not called in batch mode');
      },
      handleBatch: async (events) => {
        batches.push(events.map((event) => event.aggregateId));
        if (batches.length === 1) await gate;
        return events.map((event) =>
          event.aggregateId === 'poisoned'
            ? { status: 'rejected' as const, reason: new Error('cannot digest this room') }
            : { status: 'fulfilled' as const, value: undefined },
        );
      },
    });
    await publish(counted(family, 'first', 1));
    await eventually(
      async () => batches.length,
      (count) => count === 1,
    );
    // While the first batch is held, the next ones arrive at the consumer; then the batch ends.
    const poison = counted(family, 'poisoned', 1);
    await publish(poison);
    for (let index = 0; index < 10; index += 1) await publish(counted(family, `later-${index}`, 1));
    await eventually(
      () => broker.manager.consumers.info('ROOMS', 'batch-test'),
      (info) => info.num_ack_pending === 12,
    );
    openGate();

    await eventually(
      () => readStream(nats.url, 'DEAD_LETTERS'),
      (stored) => stored.some(({ event }) => event.id === poison.id),
    );
    // Every fulfilled event acked; the dead-lettered one too where the server knows a termination
    // with a reason (nats-server 2.10 and later; 2.9 leaves it pending until its ack wait ends).
    const [major, minor] = (broker.connection.info?.version ?? '0.0').split('.').map(Number);
    const termedPending = major > 2 || (major === 2 && minor >= 10) ? 0 : 1;
    await eventually(
      () => broker.manager.consumers.info('ROOMS', 'batch-test'),
      (info) => info.num_pending === 0 && info.num_ack_pending === termedPending,
    );
    await consumer.stop();

    expect(batches[0]).toEqual(['first']);
    // The eleven that waited came in one call; the poisoned one once more, alone, before it was dead-lettered.
    expect(batches[1]).toEqual(['poisoned', ...Array.from({ length: 10 }, (_, index) => `later-${index}`)]);
    expect(batches.slice(2)).toEqual([['poisoned']]);
  });
});

describe('replayStream', () => {
  it('reads a stream from its first message to its last under a fresh consumer, leaving the durable where it was', async () => {
    const family = new EventFamily(
      'PAYMENTS',
      { Counted: { subject: 'payments.replay.counted', data: z.object({ by: z.number().int().positive() }) } },
      { filterSubject: 'payments.replay.>' },
    );
    const live: string[] = [];
    const consumer = await start({
      durable: 'replay-live',
      events: family,
      handle: async (event) => void live.push(event.id),
    });
    const published: string[] = [];
    for (let version = 1; version <= 25; version += 1) {
      const entry = family.create('Counted', {
        aggregateId: `agg-${version % 3}`,
        aggregateVersion: version,
        data: { by: version },
      });
      published.push(entry.id);
      await publish(entry);
    }
    await publish({
      subject: 'payments.replay.counted',
      ...createEvent({ type: 'Counted', aggregateId: 'bad', aggregateVersion: 1, data: { by: 0 } }),
    });
    await eventually(
      async () => live.length,
      (count) => count === 25,
    );

    const replayed: string[] = [];
    const summary = await replayStream(broker, family, async (event) => void replayed.push(event.id), log);
    expect(replayed).toEqual(published);
    expect(summary).toMatchObject({ replayed: 25, skipped: 1 });

    // The live durable consumer was not moved: a new event reaches it, once.
    const next = family.create('Counted', { aggregateId: 'agg-0', aggregateVersion: 26, data: { by: 1 } });
    await publish(next);
    await eventually(
      async () => live,
      (ids) => ids.includes(next.id),
    );
    await consumer.stop();
    expect(live.filter((id) => id === next.id)).toHaveLength(1);
    expect(live).toHaveLength(26);
  });
});

describe('OutboxRelay', () => {
  interface Flagged {
    outbox: unknown[];
    outboxPending?: boolean;
  }

  it('publishes an event only once even if it was published before the relay crashed', async () => {
    const family = testFamily('relay');
    const aggregates = database.collection<{ _id: string; outbox: unknown[] }>('aggregates');
    const first = counted(family, 'relay-aggregate', 1);
    const second = counted(family, 'relay-aggregate', 2);
    await aggregates.insertOne({ _id: 'relay-aggregate', outbox: [first, second] });
    // A previous relay published the first event and crashed before removing it from the outbox.
    await publish(first);

    const relay = new OutboxRelay(broker, log, createMetrics('kernel-test'), new AggregateLock());
    relay.track(aggregates);
    expect(await relay.publishPending()).toBe(2);

    const stored = (await readStream(nats.url, 'ROOMS')).filter(({ event }) => event.aggregateId === 'relay-aggregate');
    expect(stored.map(({ event }) => event.id)).toEqual([first.id, second.id]);
    expect((await aggregates.findOne({ _id: 'relay-aggregate' }))?.outbox).toEqual([]);
  });

  it('finds pending events by an indexed flag, clears it once they are out, and publishes a change at once when nudged', async () => {
    const family = testFamily('flagged');
    const schema = new Schema({ _id: String, count: Number, version: Number }, { versionKey: false });
    schema.plugin(withOutbox);
    const counters = database.model('FlaggedCounter', schema, 'flagged_counters');
    await counters.init();
    expect((await counters.collection.indexes()).map((index) => Object.keys(index.key))).toContainEqual([
      'outboxPending',
    ]);

    const relay = new OutboxRelay(broker, log, createMetrics('kernel-test'), new AggregateLock());
    relay.track(counters.collection);
    await counters.create({ _id: 'quiet', count: 0, version: 1 });
    await counters.create({ _id: 'busy', count: 1, version: 1, outbox: [counted(family, 'busy', 1)] });
    expect((await counters.findById('busy').lean<Flagged>())?.outboxPending).toBe(true);
    expect((await counters.findById('quiet').lean<Flagged>())?.outboxPending).toBeUndefined();

    const filters: unknown[] = [];
    mongoose.set('debug', (collection: string, method: string, filter: unknown) => {
      if (collection === 'flagged_counters' && method === 'find') filters.push(filter);
    });
    try {
      expect(await relay.publishPending()).toBe(1);
    } finally {
      mongoose.set('debug', false);
    }
    expect(filters).toEqual([{ outboxPending: true }]);
    expect(await counters.findById('busy').lean<Flagged>()).toMatchObject({ outbox: [] });
    expect((await counters.findById('busy').lean<Flagged>())?.outboxPending).toBeUndefined();

    // Running, the relay polls rarely (every 30 s): a change's nudge is what sends its event now.
    relay.start();
    try {
      const next = counted(family, 'busy', 2);
      await saveVersioned(counters, relay, {
        id: 'busy',
        expectedVersion: 1,
        set: { count: 2, version: 2 },
        events: [next],
      });
      await eventually(
        () => readStream(nats.url, 'ROOMS'),
        (stored) => stored.some(({ event }) => event.id === next.id),
        { timeoutMs: 10_000 },
      );
      await eventually(
        () => counters.findById('busy').lean<Flagged>(),
        (stored) => stored?.outboxPending === undefined && stored?.outbox.length === 0,
      );
    } finally {
      await relay.stop();
    }
  });

  it('publishes what is still pending when it stops, so a stopping service leaves nothing for the next poll', async () => {
    const family = testFamily('stopping');
    const schema = new Schema({ _id: String, count: Number, version: Number }, { versionKey: false });
    schema.plugin(withOutbox);
    const counters = database.model('StoppingCounter', schema, 'stopping_counters');
    await counters.init();
    const relay = new OutboxRelay(broker, log, createMetrics('kernel-test'), new AggregateLock());
    // Its first pass, over no collection yet, is over before the write below: the next pass is a poll 30 s away.
    relay.start();
    relay.track(counters.collection);
    // Written with no nudge reaching this relay (a replica that died, or a write racing the relay's last pass).
    const last = counted(family, 'stopping', 1);
    await counters.create({ _id: 'stopping', count: 1, version: 1, outbox: [last] });

    await relay.stop();

    const stored = await readStream(nats.url, 'ROOMS');
    expect(stored.filter(({ event }) => event.id === last.id)).toHaveLength(1);
    expect(await counters.findById('stopping').lean<Flagged>()).toMatchObject({ outbox: [] });
  });

  it('stops at once when asked while it is publishing, not after its next idle wait', async () => {
    const family = testFamily('busy-stop');
    const aggregates = database.collection<{ _id: string; outbox: unknown[]; outboxPending: boolean }>('busy_stop');
    await aggregates.insertOne({ _id: 'busy-stop', outbox: [counted(family, 'busy-stop', 1)], outboxPending: true });
    const relay = new OutboxRelay(broker, log, createMetrics('kernel-test'), new AggregateLock());
    relay.track(aggregates);
    relay.start(); // its first pass is now under way
    const stopped = relay.stop().then(() => 'stopped' as const);
    // Far below the 30 s idle poll, far above a pass (a hang, not a speed, is what this catches).
    const hung = new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 10_000).unref());
    expect(await Promise.race([stopped, hung])).toBe('stopped');
    expect((await aggregates.findOne({ _id: 'busy-stop' }))?.outbox).toEqual([]);
  });
});

describe('OutboxRelay and the events a store wrote', () => {
  interface Tally {
    readonly id: string;
    readonly count: number;
    readonly createdAt: Date;
    readonly updatedAt: Date;
    readonly version: number;
  }
  const tally = (id: string, count: number, version: number): Tally => {
    const at = new Date('2026-12-01T10:00:00Z');
    return { id, count, createdAt: at, updatedAt: at, version };
  };

  /** A relay already past its first pass (over no collection), and a store whose collection it then tracks. */
  async function startedStore(name: string, lock = new AggregateLock()) {
    const relay = new OutboxRelay(broker, log, createMetrics('kernel-test'), lock, { idlePollMs: 3_600_000 });
    relay.start();
    const store = new MongoAggregateStore<Tally>(
      database,
      name,
      aggregateSchema(name.toLowerCase(), { count: { type: Number, required: true } }),
      relay,
    );
    await database.model(name).init(); // its indexes made now, not among the commands recorded below
    // Read past mongoose, so that the commands recorded below are the store's and the relay's alone.
    const documents = database
      .getClient()
      .db(database.name)
      .collection<{ _id: string; outbox: unknown[] }>(name.toLowerCase());
    return { relay, store, documents };
  }

  /** The commands mongoose sends to `collection` while `work` runs. */
  async function commandsOn(collection: string, work: () => Promise<void>): Promise<string[]> {
    const commands: string[] = [];
    mongoose.set('debug', (name: string, method: string) => {
      if (name === collection) commands.push(method);
    });
    try {
      await work();
    } finally {
      mongoose.set('debug', false);
    }
    return commands;
  }

  const published = async (ids: readonly string[]) =>
    eventually(
      () => readStream(nats.url, 'ROOMS'),
      (stored) => ids.every((id) => stored.some(({ event }) => event.id === id)),
    );

  it('publishes the events this process stored without reading them back, and empties the outbox in one write', async () => {
    const family = testFamily('known');
    const { relay, store, documents } = await startedStore('KnownTally');
    const first = tally('known', 1, 1);
    const requested = counted(family, 'known', 1);
    const confirmed = counted(family, 'known', 2);
    const commands = await commandsOn('knowntally', async () => {
      // Held back at its insert, as a booking holds its first event back until its payment call is answered.
      await store.insert(first, [requested], { announce: false });
      await store.update(tally('known', 2, 2), 1, [confirmed]);
      await published([requested.id, confirmed.id]);
      await eventually(
        () => documents.findOne({ _id: 'known' }),
        (stored) => stored?.outbox.length === 0,
      );
    });
    try {
      // The insert, the versioned save (its condition read by _id where conditional updates are not
      // atomic, see updateIf), and the relay's one write: no read of what the store had just written.
      const conditionRead = (await engineOf(database)).atomicConditionalUpdate ? [] : ['findOne'];
      expect(commands).toEqual(['insertOne', ...conditionRead, 'updateOne', 'updateOne']);
      const stream = (await readStream(nats.url, 'ROOMS')).filter(({ subject }) => subject.startsWith('rooms.known.'));
      expect(stream.map(({ event }) => event.id)).toEqual([requested.id, confirmed.id]);
      // Its held events went out with the save's: releasing them now has nothing left to wake the relay for.
      const nudges = jest.spyOn(relay, 'nudge');
      store.announce('known');
      expect(nudges).not.toHaveBeenCalled();
    } finally {
      await relay.stop();
    }
  });

  it('keeps an event a change added while the relay was publishing the ones before it, and publishes it next', async () => {
    const family = testFamily('added');
    const lock = new AggregateLock();
    const { relay, store, documents } = await startedStore('AddedTally', lock);
    const first = counted(family, 'added', 1);
    const second = counted(family, 'added', 2);
    // Held, so that the relay has published the first event and waits to clear it.
    let release = () => {};
    const held = lock.run('added', () => new Promise<void>((resolve) => (release = resolve)));
    try {
      await store.insert(tally('added', 1, 1), [first]);
      await published([first.id]);
      // A change lands between that publishing and the clear (as from another path that took the lock first).
      await store.update(tally('added', 2, 2), 1, [second]);
      release();
      await held;
      await published([second.id]);
      await eventually(
        () => documents.findOne({ _id: 'added' }),
        (stored) => stored?.outbox.length === 0,
      );
      const stream = (await readStream(nats.url, 'ROOMS')).filter(({ subject }) => subject.startsWith('rooms.added.'));
      expect(stream.map(({ event }) => event.id)).toEqual([first.id, second.id]);
    } finally {
      release();
      await relay.stop();
    }
  });
});

describe('OutboxRelay stopping', () => {
  it('stops as soon as the round it is in ends, without waiting for the next poll', async () => {
    const family = testFamily('stopping');
    const aggregates = database.collection<{ _id: string; outbox: unknown[]; outboxPending: boolean }>('stopping');
    const entry = counted(family, 'stopping', 1);
    await aggregates.insertOne({ _id: 'stopping', outbox: [entry], outboxPending: true });
    const lock = new AggregateLock();
    // Polling only once an hour: a stop that waited for the next poll would outlast the test's timeout.
    const relay = new OutboxRelay(broker, log, createMetrics('kernel-test'), lock, { idlePollMs: 3_600_000 });
    relay.track(aggregates);
    // Hold the aggregate, so the relay is in the middle of a round (popping the event) when it is stopped.
    let release = () => {};
    const held = lock.run('stopping', () => new Promise<void>((resolve) => (release = resolve)));
    relay.start();
    await eventually(
      () => readStream(nats.url, 'ROOMS'),
      (stored) => stored.some(({ event }) => event.id === entry.id),
    );

    const stopped = relay.stop();
    release();
    await held;
    await stopped;
    expect((await aggregates.findOne({ _id: 'stopping' }))?.outbox).toEqual([]);
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
