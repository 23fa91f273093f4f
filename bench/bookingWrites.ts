/**
 * The database's share of a booking, for `npm run bench`: the writes one real booking makes before
 * its answer (recorded through mongoose's command hook while the services handle it), replayed with
 * the MongoDB driver alone, one after another, on the same server, each into a database of its own
 * service as the services do. Whatever a booking takes beyond that is the services' reads and work,
 * the router, NATS and the network between them.
 */
import { randomBytes } from 'node:crypto';
import { MongoClient, type Db } from 'mongodb';
import mongoose from 'mongoose';
import { PROVIDER_LEDGER_COLLECTION } from '../subgraphs/payment/src/provider/simulatedProvider';

export interface RecordedWrite {
  /** The service's database it went to. */
  readonly database: string;
  readonly collection: string;
  readonly method: string;
  readonly args: readonly unknown[];
}

const WRITES = new Set([
  'insertOne',
  'insertMany',
  'updateOne',
  'updateMany',
  'replaceOne',
  'findOneAndUpdate',
  'deleteOne',
  'deleteMany',
]);

/**
 * The document or filter and the update of a write, copied (the driver may change them as it
 * sends them); its options are left out: they may hold what cannot be copied (a session), and a
 * hook that threw would fail the write it watches.
 */
function replayable(args: readonly unknown[]): unknown[] {
  return args.slice(0, 2).map((arg): unknown => {
    try {
      return structuredClone(arg);
    } catch {
      // Holds a function somewhere (a mongoose-made value): its data is what the write sends.
      return JSON.parse(JSON.stringify(arg)) as unknown;
    }
  });
}

export const isWrite = ({ method }: RecordedWrite): boolean => WRITES.has(method);

/**
 * The commands the services send to the database while `work` runs, in the order sent: all of
 * them, and the writes among them; `work` sees the writes as they are recorded.
 */
export async function recordWrites(
  work: (writes: readonly RecordedWrite[]) => Promise<void>,
): Promise<{ writes: RecordedWrite[]; reads: number; commands: RecordedWrite[] }> {
  const writes: RecordedWrite[] = [];
  const commands: RecordedWrite[] = [];
  // Mongoose calls the hook with the collection as `this`, which knows its database.
  mongoose.set(
    'debug',
    function (this: { conn?: { name?: string } }, collection: string, method: string, ...args: unknown[]) {
      const command = { database: this.conn?.name ?? 'unknown', collection, method, args: replayable(args) };
      commands.push(command);
      if (isWrite(command)) writes.push(command);
    },
  );
  try {
    await work(writes);
  } finally {
    mongoose.set('debug', false);
  }
  return { writes, reads: commands.length - writes.length, commands };
}

/**
 * Whose a write is: the services' own, which the answer waits for; the simulated provider's record
 * of a charge (a real provider keeps it on its side, not in our database); or an outbox relay's
 * (events published, outbox emptied: a write beside the answer, which does not wait for it).
 */
export type WriteRole = 'ours' | 'provider' | 'relay';

export function roleOf({ collection, args }: RecordedWrite): WriteRole {
  if (collection === PROVIDER_LEDGER_COLLECTION) return 'provider';
  const [filter, update] = args as [unknown, { $set?: { outbox?: unknown } } | undefined];
  // A relay's write: a pop guarded by the outbox's head, or an outbox emptied (by _id alone where one process writes).
  const emptied = Array.isArray(update?.$set?.outbox) && update.$set.outbox.length === 0;
  return emptied || (filter && typeof filter === 'object' && 'outbox.0.id' in filter) ? 'relay' : 'ours';
}

const ROLE_NOTES: Record<WriteRole, string> = {
  ours: '',
  provider: "  (the provider's own record)",
  relay: '  (the relay, beside the answer)',
};

/** "reservation: night_claims.insertMany (2 documents)", "payment: payments.updateOne { _id, version } $set $push": what a command is. */
export function describeWrite({ database, collection, method, args }: RecordedWrite): string {
  const [first, second] = args;
  const service = database.split('_').at(-1) ?? database;
  const shape = (value: unknown) =>
    Array.isArray(value)
      ? `(${value.length} documents)`
      : value && typeof value === 'object'
        ? `{ ${Object.keys(value).join(', ')} }`
        : '';
  const operators =
    WRITES.has(method) && second && typeof second === 'object' ? ` ${Object.keys(second).join(' ')}` : '';
  const note = WRITES.has(method) ? ROLE_NOTES[roleOf({ database, collection, method, args })] : '';
  return `${service}: ${collection}.${method} ${shape(first)}${operators}${note}`;
}

/**
 * Replays recorded writes as a new booking would make them: every id a recorded insert created
 * (and any string that contains one, such as a night claim's "<room>|<night>") is replaced by a
 * fresh one, so inserts never collide and updates find what this replay inserted.
 */
export class WriteReplay {
  private readonly client: MongoClient;
  private readonly replayId = randomBytes(3).toString('hex');
  private readonly databases = new Map<string, Db>();
  private readonly insertedIds: string[];

  constructor(
    url: string,
    private readonly writes: readonly RecordedWrite[],
  ) {
    this.client = new MongoClient(url);
    this.insertedIds = writes
      .filter(({ method }) => method === 'insertOne' || method === 'insertMany')
      .flatMap(({ args }): unknown[] => (Array.isArray(args[0]) ? (args[0] as unknown[]) : [args[0]]))
      .map((document) => String((document as { _id: unknown })._id));
  }

  /** One booking's writes, one after another. */
  async replayOnce(): Promise<void> {
    const fresh = new Map(this.insertedIds.map((id) => [id, randomBytes(12).toString('hex')]));
    const renamed = (value: unknown): unknown => {
      if (typeof value === 'string') {
        let result = value;
        for (const [old, replacement] of fresh) if (result.includes(old)) result = result.split(old).join(replacement);
        return result;
      }
      if (Array.isArray(value)) return value.map(renamed);
      if (value && typeof value === 'object' && !(value instanceof Date)) {
        return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, renamed(inner)]));
      }
      return value;
    };
    for (const { database, collection, method, args } of this.writes) {
      const [first, second] = args.map(renamed) as [never, never];
      const target = this.databaseLike(database).collection(collection);
      switch (method) {
        case 'insertOne':
          await target.insertOne(first);
          break;
        case 'insertMany':
          await target.insertMany(first);
          break;
        case 'updateOne':
          await target.updateOne(first, second);
          break;
        case 'updateMany':
          await target.updateMany(first, second);
          break;
        case 'replaceOne':
          await target.replaceOne(first, second);
          break;
        case 'findOneAndUpdate':
          await target.findOneAndUpdate(first, second);
          break;
        case 'deleteOne':
          await target.deleteOne(first);
          break;
        case 'deleteMany':
          await target.deleteMany(first);
          break;
      }
    }
  }

  /** A database of the replay's own beside each service's (never the service's own). */
  private databaseLike(original: string): Db {
    let db = this.databases.get(original);
    if (!db) {
      db = this.client.db(`drv${this.replayId}_${original}`.slice(0, 60));
      this.databases.set(original, db);
    }
    return db;
  }

  async close(): Promise<void> {
    for (const db of this.databases.values()) await db.dropDatabase();
    await this.client.close();
  }
}
