import type { OutboxEntry } from '@roombook/contracts';
import { MongoClient, type Collection } from 'mongodb';
import {
  AggregateLock,
  CommandHandler,
  Conflict,
  NotFound,
  createErrorFormatter,
  createLogger,
  type AggregateStore,
} from '../src';
import { dropDatabases, testMongoUrl, uniqueDbPrefix } from '../../../test/support/mongo';

interface Counter {
  readonly id: string;
  readonly version: number;
  readonly value: number;
}

/**
 * A store on the real server whose every load is followed by a rival's write (another replica,
 * outside this process's lock) while `rivalWrites` lasts: the next versioned save then finds the
 * version moved on.
 */
class ContestedStore implements AggregateStore<Counter> {
  rivalWrites = 0;
  saves = 0;

  constructor(private readonly counters: Collection<{ _id: string; version: number; value: number }>) {}

  async findById(id: string): Promise<Counter | null> {
    const document = await this.counters.findOne({ _id: id });
    if (document && this.rivalWrites > 0) {
      this.rivalWrites -= 1;
      await this.counters.updateOne({ _id: id }, { $inc: { version: 1 } });
    }
    return document && { id: document._id, version: document.version, value: document.value };
  }

  async update(next: Counter, expectedVersion: number, _events: readonly OutboxEntry[]): Promise<boolean> {
    this.saves += 1;
    const result = await this.counters.updateOne(
      { _id: next.id, version: expectedVersion },
      { $set: { version: next.version, value: next.value } },
    );
    return result.modifiedCount === 1;
  }
}

const increment = (current: Counter) => ({
  state: { ...current, value: current.value + 1, version: current.version + 1 },
  events: [],
});

describe('CommandHandler on the real server', () => {
  const prefix = uniqueDbPrefix();
  let client: MongoClient;
  let store: ContestedStore;
  let handler: CommandHandler<Counter>;

  beforeAll(async () => {
    client = await new MongoClient(testMongoUrl()).connect();
    const counters = client
      .db(`${prefix}_kernel`)
      .collection<{ _id: string; version: number; value: number }>('counters');
    await counters.insertMany([
      { _id: 'calm', version: 1, value: 0 },
      { _id: 'contested', version: 1, value: 0 },
      { _id: 'besieged', version: 1, value: 0 },
    ]);
    store = new ContestedStore(counters);
    handler = new CommandHandler('Counter', store, new AggregateLock(), 5);
  });
  afterAll(async () => {
    await client.close();
    await dropDatabases(prefix);
  });

  it('loads, decides and saves; "nothing to do" saves nothing', async () => {
    expect(await handler.handle('calm', increment)).toEqual({
      state: { id: 'calm', version: 2, value: 1 },
      changed: true,
    });
    const saves = store.saves;
    expect(await handler.handle('calm', () => null)).toEqual({
      state: { id: 'calm', version: 2, value: 1 },
      changed: false,
    });
    expect(store.saves).toBe(saves);
  });

  it('decides again on a version conflict and keeps the rival write', async () => {
    store.rivalWrites = 2;
    const { state } = await handler.handle('contested', increment);
    // Two rival writes moved the version to 3; ours is the fourth.
    expect(state).toEqual({ id: 'contested', version: 4, value: 1 });
  });

  it('answers CONFLICT when every attempt loses to a rival write', async () => {
    store.rivalWrites = 5;
    const attempt = handler.handle('besieged', increment);
    await expect(attempt).rejects.toThrow(Conflict);
    await expect(attempt).rejects.toThrow('Counter besieged was changed concurrently 5 times in a row; try again');
    const error = await attempt.catch((caught: unknown) => caught);
    const formatted = createErrorFormatter(createLogger('test', 'silent'), false)({ message: 'x' }, error);
    expect(formatted.extensions).toEqual({ code: 'CONFLICT' });
  });

  it('answers NOT_FOUND for an aggregate that does not exist', async () => {
    await expect(handler.handle('missing', increment)).rejects.toThrow(NotFound);
  });
});
