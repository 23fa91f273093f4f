import mongoose, { type Connection } from 'mongoose';
import { engineOf } from '@roombook/kernel';
import { NightLedger } from '../src/nightLedger';
import { dropDatabases, testMongoUrl, uniqueDbPrefix } from '../../../test/support/mongo';

let database: Connection;
let prefix: string;
let ledger: NightLedger;

beforeAll(async () => {
  prefix = uniqueDbPrefix();
  database = await mongoose.createConnection(testMongoUrl(), { dbName: `${prefix}_reservation` }).asPromise();
  ledger = new NightLedger(database);
  await database.model('NightClaim').init();
});
afterAll(async () => {
  await database.close();
  await dropDatabases(prefix);
});

describe('NightLedger', () => {
  it('claims all nights of a stay or none, and a failed attempt leaves the other stay intact', async () => {
    expect(await ledger.claim('room-a', '2030-01-01', '2030-01-04', 'first')).not.toBeNull();
    expect(await ledger.claim('room-a', '2030-01-03', '2030-01-06', 'second')).toBeNull();
    expect(await ledger.isFree('room-a', '2030-01-04', '2030-01-06')).toBe(true);
    expect(await ledger.isFree('room-a', '2030-01-01', '2030-01-02')).toBe(false);
  });

  it('refuses a stay on a night it holds without asking the database where it is the only writer, and claims it again once released', async () => {
    const commands: string[] = [];
    const counting = async <T>(work: () => Promise<T>): Promise<T> => {
      mongoose.set('debug', (collection: string, method: string) => {
        if (collection === 'night_claims') commands.push(method);
      });
      try {
        return await work();
      } finally {
        mongoose.set('debug', false);
      }
    };
    expect(await ledger.claim('room-h', '2030-02-01', '2030-02-03', 'holder')).not.toBeNull();
    expect(await counting(() => ledger.claim('room-h', '2030-02-02', '2030-02-04', 'repeat'))).toBeNull();
    // FerretDB: one writer process, whose own claims are all there are; MongoDB: the insert decides.
    expect(commands).toEqual((await engineOf(database)).writerReplicas === 1 ? [] : ['insertMany']);
    expect(await ledger.isFree('room-h', '2030-02-03', '2030-02-04')).toBe(true);

    await ledger.release('holder');
    expect(await ledger.claim('room-h', '2030-02-02', '2030-02-04', 'repeat')).not.toBeNull();
    expect(await ledger.isFree('room-h', '2030-02-01', '2030-02-02')).toBe(true);
  });

  it('frees, after a grace period, nights whose reservation was never stored or no longer holds them', async () => {
    // A ledger of its own: the sweep looks at every claim.
    const sweepDatabase = await mongoose.createConnection(testMongoUrl(), { dbName: `${prefix}_sweep` }).asPromise();
    const ledger = new NightLedger(sweepDatabase);
    await sweepDatabase.model('NightClaim').init();
    await ledger.claim('room-b', '2030-02-01', '2030-02-03', 'crashed-before-insert');
    await ledger.claim('room-b', '2030-02-05', '2030-02-06', 'confirmed');
    await ledger.claim('room-b', '2030-02-08', '2030-02-09', 'cancelled-before-release');
    const stillHeld = async (ids: string[]) => new Set(ids.filter((id) => id === 'confirmed'));

    expect(await ledger.sweep(60_000, stillHeld)).toBe(0); // all claims are younger than the grace period
    expect(await ledger.sweep(0, stillHeld)).toBe(3);
    expect(await ledger.isFree('room-b', '2030-02-01', '2030-02-03')).toBe(true);
    expect(await ledger.isFree('room-b', '2030-02-08', '2030-02-09')).toBe(true);
    expect(await ledger.isFree('room-b', '2030-02-05', '2030-02-06')).toBe(false);
    await sweepDatabase.close();
  });

  it('reaches orphans behind more than a page of claims that are legitimately held', async () => {
    // Three year-long stays: 1,095 held claims, all older than the grace period, more than one
    // page of the sweep; the crash left its claims behind them.
    const sweepDatabase = await mongoose.createConnection(testMongoUrl(), { dbName: `${prefix}_pages` }).asPromise();
    const ledger = new NightLedger(sweepDatabase);
    await sweepDatabase.model('NightClaim').init();
    for (const [index, year] of ['2031', '2032', '2033'].entries()) {
      expect(await ledger.claim('room-held', `${year}-01-01`, `${year}-12-31`, `held-${index}`)).not.toBeNull();
    }
    expect(await ledger.claim('room-orphan', '2031-03-01', '2031-03-11', 'crashed-before-insert')).not.toBeNull();
    const stillHeld = async (ids: string[]) => new Set(ids.filter((id) => id.startsWith('held-')));

    expect(await ledger.sweep(0, stillHeld)).toBe(10);
    expect(await ledger.isFree('room-orphan', '2031-03-01', '2031-03-11')).toBe(true);
    expect(await ledger.isFree('room-held', '2032-01-01', '2032-12-31')).toBe(false);
    await sweepDatabase.close();
  });

  it('reads a bounded part of the ledger per round and goes on where it stopped at the next', async () => {
    const sweepDatabase = await mongoose.createConnection(testMongoUrl(), { dbName: `${prefix}_rounds` }).asPromise();
    const ledger = new NightLedger(sweepDatabase, { pageSize: 2, pagesPerRound: 1 });
    await sweepDatabase.model('NightClaim').init();
    await ledger.claim('room-held', '2031-01-01', '2031-01-05', 'held');
    await ledger.claim('room-orphan', '2031-01-01', '2031-01-03', 'crashed-before-insert');
    const stillHeld = async (ids: string[]) => new Set(ids.filter((id) => id === 'held'));

    const freedPerRound = [];
    for (let round = 0; round < 4; round++) freedPerRound.push(await ledger.sweep(0, stillHeld));
    expect(freedPerRound).toEqual([0, 0, 2, 0]);
    expect(await ledger.isFree('room-orphan', '2031-01-01', '2031-01-03')).toBe(true);
    await sweepDatabase.close();
  });
});
