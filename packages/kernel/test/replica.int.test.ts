import mongoose, { type Connection } from 'mongoose';
import { AggregateLock, Replica } from '../src';
import { dropDatabases, testMongoUrl, uniqueDbPrefix } from '../../../test/support/mongo';

interface RoomFacts {
  readonly id: string;
  readonly price: number;
  readonly updatedAt: string;
}

describe('Replica on the real server', () => {
  const prefix = uniqueDbPrefix();
  let database: Connection;
  let replica: Replica<RoomFacts>;

  beforeAll(async () => {
    database = await mongoose.createConnection(testMongoUrl(), { dbName: `${prefix}_replica` }).asPromise();
    replica = new Replica<RoomFacts>(database, 'room_replicas', 'updatedAt', new AggregateLock());
  });

  afterAll(async () => {
    await database.close();
    await dropDatabases(prefix);
  });

  /** The finds of room_replicas the driver is asked for while `work` runs. */
  async function readsDuring(work: () => Promise<unknown>): Promise<number> {
    let reads = 0;
    mongoose.set('debug', (collection: string, method: string) => {
      if (collection === 'room_replicas' && method.startsWith('find')) reads += 1;
    });
    try {
      await work();
    } finally {
      mongoose.set('debug', false);
    }
    return reads;
  }

  it('answers finds of one document made at once with one read, and reads again after facts are applied', async () => {
    await replica.apply({ id: 'room-1', price: 100, updatedAt: '2026-12-01T10:00:00.000Z' });

    let found: (RoomFacts | null)[] = [];
    const reads = await readsDuring(async () => {
      found = await Promise.all(Array.from({ length: 20 }, () => replica.find('room-1')));
    });
    expect(reads).toBe(1);
    expect(found).toEqual(
      Array.from({ length: 20 }, () => ({ id: 'room-1', price: 100, updatedAt: expect.any(String) })),
    );

    // A find on its way when new facts land does not answer a find made after them.
    const before = replica.find('room-1');
    await replica.apply({ id: 'room-1', price: 120, updatedAt: '2026-12-01T11:00:00.000Z' });
    expect((await replica.find('room-1'))?.price).toBe(120);
    await before;

    expect(await readsDuring(() => replica.find('room-1'))).toBe(1);
    expect(await replica.find('room-2')).toBeNull();
  });
});
