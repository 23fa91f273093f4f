import { EventFamily, type OutboxEntry } from '@roombook/contracts';
import mongoose, { type Connection } from 'mongoose';
import { z } from 'zod';
import {
  AggregateLock,
  MongoAggregateStore,
  OutboxRelay,
  aggregateSchema,
  createLogger,
  createMetrics,
  type Broker,
} from '../src';
import { dropDatabases, testMongoUrl, uniqueDbPrefix } from '../../../test/support/mongo';

interface Note {
  readonly id: string;
  readonly title: string;
  readonly body: string | null;
  readonly secretKept: boolean;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  readonly version: number;
}

// Never published here: any stream will do.
const NOTE_EVENTS = new EventFamily(
  'ROOMS',
  { NoteWritten: { subject: 'rooms.notes.written', data: z.object({ title: z.string() }) } },
  { filterSubject: 'rooms.notes.>' },
);

const noteEvent = (note: Note): OutboxEntry =>
  NOTE_EVENTS.create('NoteWritten', {
    aggregateId: note.id,
    aggregateVersion: note.version,
    correlationId: 'test',
    data: { title: note.title },
  });

/** A store as a subgraph writes one: its mapping (a derived key, a hidden secret dropped once unneeded) and a query. */
class NoteStore extends MongoAggregateStore<Note> {
  constructor(database: Connection, relay: OutboxRelay) {
    super(
      database,
      'Note',
      aggregateSchema('notes', {
        title: { type: String, required: true },
        titleKey: { type: String, required: true },
        body: { type: String },
        secretKept: { type: Boolean, required: true },
        secret: { type: String },
      }),
      relay,
      {
        derived: (note) => ({ titleKey: note.title.toLowerCase() }),
        hidden: ['titleKey', 'secret'],
        fromStored: (note) => ({ ...note, body: note.body ?? null }),
        dropOnSave: (note) => (note.secretKept ? [] : ['secret']),
      },
    );
  }

  byTitle(title: string): Promise<Note[]> {
    return this.find({ titleKey: title.toLowerCase() }, { sort: { _id: 1 }, limit: 10 });
  }

  raw(id: string) {
    return this.model.findById(id).lean();
  }
}

describe('MongoAggregateStore on the real server', () => {
  const prefix = uniqueDbPrefix();
  let database: Connection;
  let relay: OutboxRelay;
  let store: NoteStore;
  let nudges: jest.SpyInstance;
  const at = new Date('2026-12-01T10:00:00Z');
  const note = (id: string, changes: Partial<Note> = {}): Note => ({
    id,
    title: 'Groceries',
    body: null,
    secretKept: true,
    createdAt: at,
    updatedAt: at,
    version: 1,
    ...changes,
  });

  beforeAll(async () => {
    database = await mongoose.createConnection(testMongoUrl(), { dbName: `${prefix}_store` }).asPromise();
    // Never started here: the store only registers its collection and wakes it.
    relay = new OutboxRelay(
      {} as Broker,
      createLogger('kernel-test', 'silent'),
      createMetrics('kernel-test'),
      new AggregateLock(),
    );
    store = new NoteStore(database, relay);
    nudges = jest.spyOn(relay, 'nudge');
  });
  afterAll(async () => {
    await database.close();
    await dropDatabases(prefix);
  });
  beforeEach(() => nudges.mockClear());

  it('inserts an aggregate with its events and reads it back as it was, without what it does not hold', async () => {
    const written = note(store.newId(), { title: 'Books' });
    expect(await store.insert(written, [noteEvent(written)], { stored: { secret: 's3cret' } })).toBe(true);
    expect(nudges).toHaveBeenCalledTimes(1);

    expect(await store.findById(written.id)).toEqual(written);
    expect(await store.byTitle('BOOKS')).toEqual([written]);
    expect(await store.raw(written.id)).toMatchObject({
      titleKey: 'books',
      secret: 's3cret',
      outboxPending: true,
      outbox: [expect.objectContaining({ type: 'NoteWritten' })],
    });
    expect(await store.findById('missing')).toBeNull();
  });

  it('answers false to a second insert of the same id, and wakes the relay later when told to', async () => {
    const first = note(store.newId());
    expect(await store.insert(first, [noteEvent(first)], { announce: false })).toBe(true);
    expect(nudges).not.toHaveBeenCalled();
    expect(await store.insert({ ...first, title: 'Other' }, [])).toBe(false);
    store.announce();
    expect(nudges).toHaveBeenCalledTimes(1);
    expect((await store.findMany([first.id, 'missing'])).get(first.id)).toEqual(first);
  });

  it('saves only on the version it was read at, with its events, and drops what the new state no longer needs', async () => {
    const original = note(store.newId());
    await store.insert(original, [], { stored: { secret: 's3cret' } });
    const renamed = { ...original, title: 'Errands', secretKept: false, version: 2 };

    expect(await store.update(renamed, 1, [noteEvent(renamed)])).toBe(true);
    expect(await store.update({ ...renamed, title: 'Stale', version: 2 }, 1, [])).toBe(false);

    expect(await store.findById(original.id)).toEqual(renamed);
    const stored = await store.raw(original.id);
    expect(stored).toMatchObject({ titleKey: 'errands', outboxPending: true });
    expect(stored).not.toHaveProperty('secret');
    expect(nudges).toHaveBeenCalledTimes(1);
  });
});
