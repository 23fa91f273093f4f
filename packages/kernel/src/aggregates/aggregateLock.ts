/**
 * Serializes the writes to one aggregate inside this process.
 *
 * A conditional single-document update is atomic on MongoDB, so the version checks of the stores
 * suffice there, across any number of replicas. FerretDB v1 applies `updateOne({ _id, version })`
 * as a read-modify-write that concurrent writers can interleave (measured: two winners of one
 * version check, and lost updates, on both its SQLite and PostgreSQL backends). Every write path
 * that changes an aggregate after its insert (the use cases' decide-and-store loops and the outbox
 * relay's pop) therefore runs under this lock, which makes one replica per service correct there
 * (EngineCapabilities.writerReplicas).
 */
export class AggregateLock {
  private readonly tails = new Map<string, Promise<void>>();

  async run<T>(aggregateId: string, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(aggregateId) ?? Promise.resolve();
    let release!: () => void;
    const mine = previous.then(() => new Promise<void>((resolve) => (release = resolve)));
    this.tails.set(aggregateId, mine);
    await previous;
    try {
      return await work();
    } finally {
      release();
      if (this.tails.get(aggregateId) === mine) this.tails.delete(aggregateId);
    }
  }

  /**
   * Runs `work` holding the locks of all these aggregates (one write for many of them). They are
   * taken in sorted order, so two callers whose sets overlap cannot each hold what the other waits for.
   */
  runAll<T>(aggregateIds: Iterable<string>, work: () => Promise<T>): Promise<T> {
    const sorted = [...new Set(aggregateIds)].sort();
    const hold = (index: number): Promise<T> =>
      index === sorted.length ? work() : this.run(sorted[index], () => hold(index + 1));
    return hold(0);
  }
}
