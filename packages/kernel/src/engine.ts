import type { Connection } from 'mongoose';

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

/** The engine behind a connection and what it allows, asked of the server itself (on FerretDB, writing one probe document). */
export async function engineOf(connection: Connection): Promise<EngineCapabilities> {
  const database = connection.db;
  if (!database) throw new Error('engineOf needs a connected database');
  const admin = database.admin();
  const buildInfo = (await admin.command({ buildInfo: 1 })) as BuildInfo;
  if (buildInfo.ferretdbVersion === undefined) {
    const hello = (await admin.command({ hello: 1 })) as { setName?: string };
    return {
      name: 'MongoDB',
      atomicConditionalUpdate: true,
      fieldFiltersPushedDown: true,
      // Transactions need a replica set (both overlays and docker-compose run one).
      transactions: hello.setName !== undefined,
      writerReplicas: 'any',
    };
  }
  // FerretDB says whether it pushed a filter down to its backend (SQLite does so for _id only),
  // and explains only a collection that exists: one document of its own is its probe.
  await database
    .collection<{ _id: string; probe: string }>('engine_probe')
    .updateOne({ _id: 'probe' }, { $set: { probe: 'any' } }, { upsert: true });
  const explained = (await database.command({
    explain: { find: 'engine_probe', filter: { probe: 'any' } },
  })) as Explained;
  const fieldFiltersPushedDown = explained.filterPushdown === true;
  return {
    // Its SQLite backend explains with SQLite's plan lines; PostgreSQL's plan is an object.
    name: Array.isArray(explained.queryPlanner?.Plan) ? 'FerretDB on SQLite' : 'FerretDB on PostgreSQL',
    atomicConditionalUpdate: false,
    fieldFiltersPushedDown,
    transactions: false,
    writerReplicas: 1,
  };
}
