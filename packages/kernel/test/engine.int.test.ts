import type { Connection } from 'mongoose';
import {
  connectDatabase,
  engineOf,
  findByIds,
  isDuplicateKeyError,
  updateIf,
  type EngineCapabilities,
  type FieldCondition,
} from '../src';
import { dropDatabases, testMongoUrl, uniqueDbPrefix } from '../../../test/support/mongo';

/** Each behaviour EngineCapabilities states, shown on the server this test run uses. */

const prefix = uniqueDbPrefix();
let database: Connection;
let engine: EngineCapabilities;

beforeAll(async () => {
  database = await connectDatabase(testMongoUrl(), `${prefix}_engine`);
  engine = await engineOf(database);
});
afterAll(async () => {
  await database.close();
  await dropDatabases(prefix);
});

const documents = (name: string) => database.collection<{ _id: string; version: number; probe?: string }>(name);

it('names the engine the test run started', () => {
  const expected = !engine.name.startsWith('FerretDB')
    ? 'MongoDB'
    : process.env.TEST_FERRETDB_POSTGRESQL_URL
      ? 'FerretDB on PostgreSQL'
      : 'FerretDB on SQLite';
  expect(engine.name).toBe(expected);
  expect(engine.writerReplicas).toBe(engine.atomicConditionalUpdate ? 'any' : 1);
});

it('lets exactly one of concurrent inserts under one _id through, on every engine', async () => {
  const claims = documents('claims');
  for (let round = 0; round < 20; round += 1) {
    const outcomes = await Promise.allSettled(
      Array.from({ length: 8 }, () => claims.insertOne({ _id: `claim-${round}`, version: 0 })),
    );
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
    for (const outcome of outcomes) {
      if (outcome.status === 'rejected') expect(isDuplicateKeyError(outcome.reason)).toBe(true);
    }
  }
});

/**
 * Rounds of 8 writers passing the same version check at once, until one round has more than one
 * winner (true) or `rounds` have not (false).
 */
async function twoWinnersWithin(rounds: number): Promise<boolean> {
  const rows = documents('versioned');
  for (let round = 0; round < rounds; round += 1) {
    await rows.insertOne({ _id: `row-${round}`, version: 0 });
    const results = await Promise.all(
      Array.from({ length: 8 }, () => rows.updateOne({ _id: `row-${round}`, version: 0 }, { $set: { version: 1 } })),
    );
    if (results.reduce((sum, result) => sum + result.modifiedCount, 0) > 1) return true;
  }
  return false;
}

it('lets one writer pass a version check where conditional updates are atomic, and several where they are not', async () => {
  // Measured on FerretDB v1: more than half the rounds have two winners, on SQLite and on PostgreSQL.
  expect(await twoWinnersWithin(engine.atomicConditionalUpdate ? 50 : 200)).toBe(!engine.atomicConditionalUpdate);
});

it('pushes down a filter on _id always, and a list of _ids or another field where it says so', async () => {
  const rows = documents('filtered');
  await rows.insertOne({ _id: 'row', version: 0, probe: 'x' });
  const explain = (filter: Record<string, unknown>) =>
    database.db!.command({ explain: { find: 'filtered', filter } }) as Promise<{
      filterPushdown?: boolean;
      queryPlanner?: { winningPlan?: unknown };
    }>;
  if (engine.name === 'MongoDB') {
    // MongoDB plans with indexes: an equality on _id is an IDHACK or index scan, never a collection scan.
    expect(JSON.stringify((await explain({ _id: 'row' })).queryPlanner?.winningPlan)).not.toContain('COLLSCAN');
    return;
  }
  expect((await explain({ _id: 'row' })).filterPushdown).toBe(true);
  expect((await explain({ _id: { $in: ['row', 'other'] } })).filterPushdown).toBe(engine.idListsPushedDown);
  expect((await explain({ probe: 'x' })).filterPushdown).toBe(engine.fieldFiltersPushedDown);
  expect(engine.fieldFiltersPushedDown).toBe(engine.name === 'FerretDB on PostgreSQL');
});

it('pushes down _id alone on SQLite, not _id beside another field (so updateIf looks up by _id alone there)', async () => {
  if (engine.name !== 'FerretDB on SQLite') return;
  const rows = documents('keyed');
  await rows.insertOne({ _id: 'row', version: 0 });
  const explain = (filter: Record<string, unknown>) =>
    database.db!.command({ explain: { find: 'keyed', filter } }) as Promise<{ filterPushdown?: boolean }>;
  expect((await explain({ _id: 'row' })).filterPushdown).toBe(true);
  expect((await explain({ _id: 'row', version: 0 })).filterPushdown).toBe(false);
  expect((await explain({ _id: { $in: ['row', 'other'] } })).filterPushdown).toBe(false);
});

it('updates only when the condition holds, by _id, on every engine', async () => {
  const rows = documents('conditional');
  await rows.insertOne({ _id: 'row', version: 0, outbox: [{ id: 'e1' }] } as never);
  const update = (condition: FieldCondition) => updateIf(database, rows, 'row', condition, { $inc: { version: 1 } });
  expect(await update({ version: 1 })).toBe(false);
  expect(await update({ version: 0, 'outbox.0.id': 'e1', 'outbox.1': { $exists: false } })).toBe(true);
  expect(await update({ 'outbox.0.id': 'e2' })).toBe(false);
  expect(await update({ 'outbox.0': { $exists: false } })).toBe(false);
  expect(await updateIf(database, rows, 'none', { version: 1 }, { $inc: { version: 1 } })).toBe(false);
  expect((await rows.findOne({ _id: 'row' }))?.version).toBe(1);
});

it('finds documents by a list of _ids, each once, on every engine', async () => {
  const rows = documents('listed');
  await rows.insertMany([
    { _id: 'a', version: 0 },
    { _id: 'b', version: 0 },
  ]);
  const found = await findByIds<{ _id: string }>(database, rows, ['a', 'x', 'b', 'a'], { _id: 1 });
  expect(found.map(({ _id }) => _id).sort()).toEqual(['a', 'b']);
  expect(await findByIds(database, rows, [], { _id: 1 })).toEqual([]);
});

it('commits a multi-document transaction where it has them, and refuses one, writing nothing, where not', async () => {
  const rows = documents('transacted');
  const session = database.getClient().startSession();
  try {
    const transaction = session.withTransaction(async () => {
      await rows.insertOne({ _id: 'a', version: 0 }, { session });
      await rows.insertOne({ _id: 'b', version: 0 }, { session });
    });
    if (engine.transactions) {
      await transaction;
      expect(await rows.countDocuments()).toBe(2);
    } else {
      await expect(transaction).rejects.toThrow();
      expect(await rows.countDocuments()).toBe(0);
    }
  } finally {
    await session.endSession();
  }
});
