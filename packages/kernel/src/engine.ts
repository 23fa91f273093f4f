import type { Connection } from 'mongoose';
import { isDuplicateKeyError } from './database';

/** The MongoDB-wire servers the services run on. */
export type EngineName = 'MongoDB' | 'FerretDB on PostgreSQL' | 'FerretDB on SQLite';

/**
 * What differs between the engines, as far as the code cares. Every write path here uses only
 * what all of them do alike (single-document writes, inserts under a unique key, lookups by _id
 * on hot paths); this says where they differ, for the operator and for the tests that prove it
 * (engine.int.test.ts), so no domain or projection code needs to know which engine it is on.
 */
export interface EngineCapabilities {
  readonly name: EngineName;
  /**
   * `updateOne({ _id, version }, …)` is one atomic step, so of two writers that pass the same
   * version check only one changes the document. FerretDB v1 reads, then writes: both may.
   */
  readonly atomicConditionalUpdate: boolean;
  /** A filter on a field other than _id is answered by the server's own query, not a scan in FerretDB. */
  readonly fieldFiltersPushedDown: boolean;
  /**
   * `_id: { $in: [...] }` is answered from the _id index. FerretDB v1 scans the collection for it
   * (both backends), so there a few ids are better looked up one `_id` at a time.
   */
  readonly idListsPushedDown: boolean;
  /** Multi-document transactions (a MongoDB replica set only; the code uses none). */
  readonly transactions: boolean;
  /**
   * Replicas a service that changes aggregates after their insert may run. With non-atomic
   * conditional updates only the in-process AggregateLock keeps two changes of one aggregate
   * apart, so one process. Read models that change rows by inserting revisions (the
   * dashboard) and the router scale on every engine.
   */
  readonly writerReplicas: 'any' | 1;
}

interface BuildInfo {
  readonly ferretdbVersion?: string;
}

interface Explained {
  readonly filterPushdown?: boolean;
  readonly queryPlanner?: { readonly Plan?: unknown };
}

const enginesByConnection = new WeakMap<Connection, Promise<EngineCapabilities>>();

/**
 * The engine behind a connection and what it allows, asked of the server once per connection (on
 * FerretDB, by writing one probe document of its own). The write paths below branch on it, so
 * this table is the one place an engine difference is decided.
 */
export function engineOf(connection: Connection): Promise<EngineCapabilities> {
  let known = enginesByConnection.get(connection);
  if (!known) {
    known = connection.asPromise().then(() => askEngine(connection));
    // A failed question (server down) is asked again next time.
    known.catch(() => enginesByConnection.delete(connection));
    enginesByConnection.set(connection, known);
  }
  return known;
}

async function askEngine(connection: Connection): Promise<EngineCapabilities> {
  const database = connection.db;
  if (!database) throw new Error('engineOf needs a connected database');
  const admin = database.admin();
  const { ferretdbVersion } = (await admin.command({ buildInfo: 1 })) as BuildInfo;
  if (ferretdbVersion === undefined) {
    const hello = (await admin.command({ hello: 1 })) as { setName?: string };
    return {
      name: 'MongoDB',
      atomicConditionalUpdate: true,
      fieldFiltersPushedDown: true,
      idListsPushedDown: true,
      // Transactions need a replica set (both overlays and docker-compose run one).
      transactions: hello.setName !== undefined,
      writerReplicas: 'any',
    };
  }
  // FerretDB says whether it pushed a filter down to its backend (SQLite does so for _id only),
  // and explains only a collection that exists: one document of its own is its probe.
  const probes = database.collection<{ _id: string; probe: string }>('engine_probe');
  await probes.updateOne({ _id: 'probe' }, { $set: { probe: 'any' } }, { upsert: true }).catch((error: unknown) => {
    // Two processes' first upserts raced: the probe is there either way.
    if (!isDuplicateKeyError(error)) throw error;
  });
  const explained = (await database.command({
    explain: { find: 'engine_probe', filter: { probe: 'any' } },
  })) as Explained;
  return {
    // Its SQLite backend explains with SQLite's plan lines; PostgreSQL's plan is an object.
    name: Array.isArray(explained.queryPlanner?.Plan) ? 'FerretDB on SQLite' : 'FerretDB on PostgreSQL',
    atomicConditionalUpdate: false,
    fieldFiltersPushedDown: explained.filterPushdown === true,
    idListsPushedDown: false,
    transactions: false,
    writerReplicas: 1,
  };
}

/** What a conditional update needs of a collection (a driver collection fits as it is). */
export interface ConditionalTarget {
  findOne(
    filter: { _id: unknown },
    options: { projection: Record<string, 1> },
  ): PromiseLike<Record<string, unknown> | null>;
  updateOne(filter: object, update: object): PromiseLike<{ modifiedCount: number }>;
}

/** A condition on a document's fields: equality, or `{ $exists: boolean }`; a path may index an array (`outbox.0.id`). */
export type FieldCondition = Record<string, unknown>;

/**
 * `update` applied to the document `_id: id` if its fields meet `condition`; true when it changed.
 *
 * Where conditional updates are atomic (MongoDB) this is one `updateOne({ _id, ...condition })`.
 * FerretDB v1 does not make that atomic anyway (it reads, decides, then writes), and on SQLite it
 * pushes a filter down only when it is `_id` alone: `{ _id, version }` makes it decode every
 * document of the collection to find one (measured: the versioned saves and outbox clears were
 * the largest part of FerretDB's CPU in a booking burst, and grow with the collection). There the
 * document is read by `_id`, the condition checked here, and the update written by `_id`: the same
 * read-then-write FerretDB did, two lookups by key instead of two scans. As before on FerretDB, what
 * keeps two writers of one aggregate apart is the caller's AggregateLock (writerReplicas: 1).
 */
export async function updateIf(
  connection: Connection,
  target: ConditionalTarget,
  id: unknown,
  condition: FieldCondition,
  update: object,
): Promise<boolean> {
  if ((await engineOf(connection)).atomicConditionalUpdate) {
    return (await target.updateOne({ _id: id, ...condition }, update)).modifiedCount === 1;
  }
  const projection = Object.fromEntries(Object.keys(condition).map((path) => [path.split('.')[0], 1 as const]));
  const current = await target.findOne({ _id: id }, { projection });
  if (!current || !meets(current, condition)) return false;
  return (await target.updateOne({ _id: id }, update)).modifiedCount === 1;
}

function meets(document: Record<string, unknown>, condition: FieldCondition): boolean {
  return Object.entries(condition).every(([path, expected]) => {
    const value = path
      .split('.')
      .reduce<unknown>(
        (inner, key) =>
          inner !== null && typeof inner === 'object' ? (inner as Record<string, unknown>)[key] : undefined,
        document,
      );
    if (expected !== null && typeof expected === 'object') {
      const { $exists, ...rest } = expected as { $exists?: unknown };
      if (typeof $exists !== 'boolean' || Object.keys(rest).length > 0) {
        throw new Error(`updateIf: only equality and $exists conditions are supported (${path})`);
      }
      return (value !== undefined) === $exists;
    }
    return value === expected;
  });
}

/** What findByIds needs of a collection (a driver collection fits as it is). */
export interface KeyedDocuments<Document> {
  find(filter: object, options: { projection: Record<string, 0 | 1> }): { toArray(): Promise<Document[]> };
  findOne(filter: object, options: { projection: Record<string, 0 | 1> }): PromiseLike<Document | null>;
}

/** Up to this many ids, FerretDB is asked for each by `_id`; past it, one query reads them all. */
const KEYED_LOOKUPS_AT_MOST = 8;

/**
 * The documents with these `_id`s. MongoDB answers `_id: { $in }` from its index; FerretDB v1
 * scans the whole collection for it (on SQLite measured about 50 times the cost of one lookup by
 * `_id` on a small collection, and growing with it), so there a few ids (a stay's nights) are each
 * looked up by `_id` alone, and many (a page of rooms' stays) still go as one query.
 */
export async function findByIds<Document>(
  connection: Connection,
  documents: KeyedDocuments<Document>,
  ids: readonly unknown[],
  projection: Record<string, 0 | 1>,
): Promise<Document[]> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return [];
  if (unique.length > KEYED_LOOKUPS_AT_MOST || (await engineOf(connection)).idListsPushedDown)
    return documents.find({ _id: { $in: unique } }, { projection }).toArray();
  const found = await Promise.all(unique.map((id) => documents.findOne({ _id: id }, { projection })));
  return found.filter((document): document is Awaited<Document> & Document => document !== null);
}
