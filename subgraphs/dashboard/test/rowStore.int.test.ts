import { connectDatabase } from '@roombook/kernel';
import type { Connection } from 'mongoose';
import { dropDatabases, testMongoUrl, uniqueDbPrefix } from '../../../test/support/mongo';
import { applyFacts, emptyRow, viewOf, type DashboardFact, type DashboardRow } from '../src/domain/roomDashboard';
import { ROWS_CHECKED_ONE_BY_ONE, RowStore } from '../src/rowStore';

/**
 * Writers of one row in several processes (a RowStore each), on the server this test run uses,
 * with one writer held at a chosen step while the others go on: interleavings a slow process (a
 * pause, a long GC, a congested connection) meets now and then, made to happen every time.
 */

const prefix = uniqueDbPrefix();
let database: Connection;
let version = 0;

beforeAll(async () => {
  database = await connectDatabase(testMongoUrl(), `${prefix}_dashboard`);
});
afterAll(async () => {
  await database.close();
  await dropDatabases(prefix);
});

/** The next command of one of `methods` on a collection whose name starts with `collection` waits at it, once. */
class Hold {
  private letGo!: () => void;
  private readonly released = new Promise<void>((resolve) => (this.letGo = resolve));
  private arrive!: () => void;
  /** Settles when the writer has come to the held command (not sent yet). */
  readonly reached = new Promise<void>((resolve) => (this.arrive = resolve));
  private armed = true;

  constructor(
    readonly collection: string,
    readonly methods: readonly string[],
  ) {}

  async pass(): Promise<void> {
    if (!this.armed) return;
    this.armed = false;
    this.arrive();
    await this.released;
  }

  release(): void {
    this.letGo();
  }
}

const COPY_WRITES = ['replaceOne', 'updateOne', 'insertOne', 'bulkWrite', 'findOneAndReplace', 'findOneAndUpdate'];
const DELETES = ['deleteOne', 'deleteMany', 'findOneAndDelete'];
/** Any command on the row copies: before a writer first looks at the copy, by reading or by a conditional write. */
const LOOKS = ['findOne', 'find', ...COPY_WRITES];

/** The connection as a process sees it whose commands `hold` stops once. */
function heldAt(hold: Hold): Connection {
  return new Proxy(database, {
    get(target, property, receiver) {
      if (property !== 'collection') return Reflect.get(target, property, receiver);
      return (name: string) => {
        const collection = target.collection(name);
        if (!name.startsWith(hold.collection)) return collection;
        return new Proxy(collection, {
          get(inner, method) {
            const value = Reflect.get(inner, method, inner) as unknown;
            if (typeof value !== 'function') return value;
            if (typeof method !== 'string' || !hold.methods.includes(method)) return value.bind(inner);
            return async (...args: unknown[]) => {
              await hold.pass();
              return (value as (...args: unknown[]) => unknown).apply(inner, args);
            };
          },
        });
      };
    },
  });
}

/** A fresh version of the read model per test, so each starts with no rows. */
async function stores(...connections: Connection[]): Promise<RowStore[]> {
  version += 1;
  const all = connections.map((connection) => new RowStore(connection, version));
  await all[0].ready();
  return all;
}

const ROOM = 'room-1';
let clock = Date.parse('2026-11-21T10:00:00.000Z');
let eventNumber = 0;

function reservation(id: string): DashboardFact {
  clock += 1000;
  eventNumber += 1;
  return {
    kind: 'reservation',
    roomId: ROOM,
    reservationId: id,
    version: 1,
    status: 'CONFIRMED',
    at: new Date(clock).toISOString(),
    eventId: `event-${eventNumber}`,
  };
}

const registered: DashboardFact = {
  kind: 'room',
  roomId: ROOM,
  version: 1,
  listing: {
    hostId: 'hana',
    name: 'Loft',
    city: 'Lisbon',
    status: 'ACTIVE',
    pricePerNight: { amount: 100, currency: 'EUR' },
  },
  at: '2026-11-21T09:00:00.000Z',
  eventId: 'event-0',
};

/** The row's next revision with `fact`, built on the latest as `store` finds it; true when written. */
async function change(store: RowStore, fact: DashboardFact): Promise<boolean> {
  const row = await store.findById(ROOM);
  return store.update(applyFacts(row, [fact])!, row.version);
}

/**
 * What the projection makes of an update's answer: written, or (false: decide again) its fact
 * found in the latest revision already.
 */
async function applied(store: RowStore, written: boolean, fact: DashboardFact): Promise<boolean> {
  return written || applyFacts(await store.findById(ROOM), [fact]) === null;
}

/** How a change is written: one row (update), or in a batch of a few rows or of many (updateAll). */
type Way = 'update' | 'updateAll' | 'updateAll of many rows';
const WAYS: readonly Way[] = ['update', 'updateAll', 'updateAll of many rows'];

/**
 * Starts `fact`'s change on `row` the way asked, as the projection does. In a batch of many rows,
 * the row's change comes first among new rows of other rooms, so its copy is the batch's first.
 */
function changeOn(store: RowStore, way: Way, row: DashboardRow, fact: DashboardFact) {
  const next = applyFacts(row, [fact])!;
  if (way === 'update') return store.update(next, row.version);
  // More rows than a batch checks one by one: it looks for newer revisions and prunes with one command each.
  const others = Array.from({ length: way === 'updateAll' ? 0 : ROWS_CHECKED_ONE_BY_ONE }, (_, index) => ({
    next: applyFacts(emptyRow(`other-${index}`), [{ ...registered, roomId: `other-${index}` }])!,
    expectedVersion: 0,
  }));
  return store.updateAll([{ next, expectedVersion: row.version }, ...others]).then(([written]) => written);
}

/** What the row shows with exactly these facts. */
const rowWith = (facts: readonly DashboardFact[]) => viewOf(applyFacts(emptyRow(ROOM), facts)!);

describe.each(WAYS)('a writer held between its revision and its copy (%s)', (way) => {
  // A copy written late, over newer ones, once stayed: its re-check looked for a successor already pruned.
  it('never leaves the row queries read older than the latest revision', async () => {
    const copying = new Hold('dashboard_rows', COPY_WRITES);
    const [slow, fast] = await stores(heldAt(copying), database);
    expect(await change(fast, registered)).toBe(true);
    const facts = [registered, reservation('slow')];
    const slowWrite = changeOn(slow, way, await slow.findById(ROOM), facts[1]);
    await copying.reached;

    // Meanwhile another process changes the row five times: the slow writer's successor is pruned.
    for (let step = 0; step < 5; step += 1) {
      facts.push(reservation(`fast-${step}`));
      expect(await change(fast, facts[facts.length - 1])).toBe(true);
    }
    copying.release();
    expect(await applied(slow, await slowWrite, facts[1])).toBe(true);

    expect(await fast.get(ROOM)).toEqual(rowWith(facts));
    expect(viewOf(await fast.findById(ROOM))).toEqual(rowWith(facts));
  });

  // The walk from a late, older copy stopped at a pruned id; a change built there was reported written.
  it('loses no fact when the revisions above an old copy were pruned out of order', async () => {
    const copying = new Hold('dashboard_rows', COPY_WRITES);
    const pruning = new Hold('dashboard_revisions', DELETES);
    const [slow, fast, pruner] = await stores(heldAt(copying), database, heldAt(pruning));
    expect(await change(fast, registered)).toBe(true);
    const facts = [registered, reservation('slow')];
    // Revision 2, held before its copy.
    const slowWrite = changeOn(slow, way, await slow.findById(ROOM), facts[1]);
    await copying.reached;
    for (let step = 0; step < 3; step += 1) {
      facts.push(reservation(`fast-${step}`));
      expect(await change(fast, facts[facts.length - 1])).toBe(true);
    }
    // Revision 6, held before it prunes revision 2; then revision 7 prunes revision 3.
    facts.push(reservation('pruner'));
    const prunerWrite = change(pruner, facts[facts.length - 1]);
    await pruning.reached;
    facts.push(reservation('fast-3'));
    expect(await change(fast, facts[facts.length - 1])).toBe(true);
    copying.release();
    expect(await applied(slow, await slowWrite, facts[1])).toBe(true);

    // A change decided now, on the latest revision as found, must carry every fact before it.
    facts.push(reservation('after'));
    expect(await change(fast, facts[facts.length - 1])).toBe(true);
    pruning.release();
    expect(await prunerWrite).toBe(true);

    expect(viewOf(await fast.findById(ROOM))).toEqual(rowWith(facts));
    expect(await fast.get(ROOM)).toEqual(rowWith(facts));
  });

  // The look for a newer revision once a copy is written: without it the row would stay without the stopped writer's fact.
  it('copies a newer revision whose writer stopped before copying it', async () => {
    const copying = new Hold('dashboard_rows', COPY_WRITES);
    const stopped = new Hold('dashboard_rows', COPY_WRITES);
    const [slow, fast, stopping] = await stores(heldAt(copying), database, heldAt(stopped));
    expect(await change(fast, registered)).toBe(true);
    const facts = [registered, reservation('slow')];
    // Revision 2, held before its copy.
    const slowWrite = changeOn(slow, way, await slow.findById(ROOM), facts[1]);
    await copying.reached;
    // Revision 3, built on it by another process, which stops before its copy (as if it crashed there).
    facts.push(reservation('stopped'));
    const stoppedWrite = change(stopping, facts[2]);
    await stopped.reached;
    copying.release();
    expect(await slowWrite).toBe(true);

    expect(await fast.get(ROOM)).toEqual(rowWith(facts));
    stopped.release();
    expect(await stoppedWrite).toBe(true);
  });

  // Taken for a revision in a pruned slot, it was deleted under its copy: no writer of the row got through again.
  it('keeps a revision that another process copied before its writer looked at the copy', async () => {
    const looking = new Hold('dashboard_rows', LOOKS);
    const [slow, fast] = await stores(heldAt(looking), database);
    expect(await change(fast, registered)).toBe(true);
    const facts = [registered, reservation('slow')];
    // Revision 2, held after its insert, before it reads the copy.
    const slowWrite = changeOn(slow, way, await fast.findById(ROOM), facts[1]);
    await looking.reached;
    // Another process copies the latest revision it finds: revision 2.
    expect((await fast.materialize(ROOM)).revision).toBe(2);
    looking.release();
    const slowWritten = await slowWrite;

    facts.push(reservation('next'));
    expect(await change(fast, facts[facts.length - 1])).toBe(true);
    expect(await applied(slow, slowWritten, facts[1])).toBe(true);
    expect(viewOf(await fast.findById(ROOM))).toEqual(rowWith(facts));
    expect(await fast.get(ROOM)).toEqual(rowWith(facts));
  });
});

// Revisions are the only thing a row's store deletes; one that pruned too little would make every lookup on SQLite slower.
it('prunes, over batches of rows, every revision KEPT_REVISIONS behind what it copied, and none above', async () => {
  const [store] = await stores(database);
  const revisions = database.collection<{ _id: string; roomId: string; revision: number }>(
    `dashboard_revisions_v${version}`,
  );
  const facts: DashboardFact[] = [registered];
  let row = emptyRow(ROOM);
  for (let step = 0; step < 12; step += 1) {
    if (step > 0) facts.push(reservation(`batch-${step}`));
    const next = applyFacts(row, [facts[facts.length - 1]])!;
    expect(await store.updateAll([{ next, expectedVersion: row.version }])).toEqual([true]);
    row = next;
  }
  const kept = (await revisions.find({ roomId: ROOM }, { projection: { revision: 1 } }).toArray())
    .map(({ revision }) => revision)
    .sort((a, b) => a - b);
  expect(kept).toEqual([9, 10, 11, 12]);
  expect(await store.get(ROOM)).toEqual(rowWith(facts));
});
