import { AggregateLock, InternalTokens, ServiceClient, ServiceUnavailable, createLogger } from '@roombook/kernel';
import mongoose, { type Connection } from 'mongoose';
import { dropDatabases, testMongoUrl, uniqueDbPrefix } from '../../../test/support/mongo';
import type { ReviewableStay } from '../src/domain/review';
import { StayDirectory } from '../src/stayDirectory';

const prefix = uniqueDbPrefix();
let database: Connection;
let stays: StayDirectory;

beforeAll(async () => {
  database = await mongoose.createConnection(testMongoUrl(), { dbName: `${prefix}_review` }).asPromise();
  stays = new StayDirectory(
    database,
    {
      client: new ServiceClient('review', new InternalTokens('test-secret-of-16-chars')),
      // Nothing listens there: a lookup fails, so a test can tell whether one was made.
      reservationUrl: 'http://127.0.0.1:9/graphql',
      timeoutMs: 500,
    },
    new AggregateLock(),
    createLogger('test', 'silent'),
  );
});
afterAll(async () => {
  await database.close();
  await dropDatabases(prefix);
});

const stay = (reservationId: string, version: number, status: string): ReviewableStay => ({
  reservationId,
  guestId: 'gus',
  roomId: 'room-1',
  status,
  version,
});

describe('the replica of stays', () => {
  it('is the same when a fact is applied twice', async () => {
    await stays.apply(stay('twice', 2, 'CONFIRMED'));
    await stays.apply(stay('twice', 2, 'CONFIRMED'));
    expect(await stays.find('twice')).toEqual(stay('twice', 2, 'CONFIRMED'));
  });

  it('ends at the newest fact whatever the order the facts arrive in', async () => {
    const facts = [
      stay('shuffled', 1, 'PENDING'),
      stay('shuffled', 2, 'CONFIRMED'),
      stay('shuffled', 3, 'CANCELLATION_REQUESTED'),
    ];
    for (const order of [
      [2, 0, 1],
      [1, 2, 0],
    ]) {
      const id = `shuffled-${order.join('')}`;
      for (const index of order) await stays.apply({ ...facts[index], reservationId: id });
      expect(await stays.find(id)).toEqual({ ...facts[2], reservationId: id });
    }
  });

  it('asks the reservation service only about a stay it does not know as settled', async () => {
    await stays.apply(stay('pending', 1, 'PENDING'));
    await expect(stays.find('pending')).rejects.toThrow(ServiceUnavailable);
    await expect(stays.find('unknown')).rejects.toThrow(ServiceUnavailable);
  });
});
