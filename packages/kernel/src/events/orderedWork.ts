import { AggregateLock } from '../aggregates/aggregateLock';

/**
 * Runs work side by side, up to `limit` at once, while the work of one key (an aggregate) runs
 * one after another in the order it was submitted: how consumers and replays keep each
 * aggregate's events in stream order without handling the stream one message at a time.
 */
export class OrderedWork {
  private readonly order = new AggregateLock();
  private readonly inFlight = new Set<Promise<void>>();
  private failure: { error: unknown } | undefined;

  constructor(private readonly limit: number) {}

  /** Waits for a free place, then starts the work; resolves once it has started. */
  async submit(key: string, work: () => Promise<void>): Promise<void> {
    while (this.inFlight.size >= this.limit) await Promise.race(this.inFlight);
    const tracked: Promise<void> = this.order
      .run(key, work)
      .catch((error: unknown) => {
        this.failure ??= { error };
      })
      .finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
  }

  /** Waits for everything submitted; rethrows the first failure, if any work failed. */
  async drain(): Promise<void> {
    await Promise.all(this.inFlight);
    if (this.failure) throw this.failure.error;
  }
}
