import { Gauge } from 'prom-client';
import { Schema, type Collection, type Connection, type mongo } from 'mongoose';
import { engineOf, updateIf, type ConditionalTarget, type FieldCondition } from '../engine';
import type { Logger } from '../logger';
import type { ServiceMetrics } from '../http/metrics';
import type { AggregateLock } from '../aggregates/aggregateLock';
import type { Broker } from './nats';
import { publishingSpan } from './traceContext';
import { headers as natsHeaders } from '@nats-io/transport-node';
import type { OutboxEntry } from '@roombook/contracts';

/**
 * The transactional outbox without transactions: an aggregate document carries its unpublished
 * events in an `outbox` array, written by the same single-document update as the state change.
 * The relay publishes them in order with Nats-Msg-Id = event id (the stream drops a repeat), and
 * only then pops each from the front of the array. A crash or NATS outage at any point leaves
 * the event in the outbox to be published later; nothing is lost and nothing is doubled.
 */
export const outboxEntrySchema = new Schema<OutboxEntry>(
  {
    id: { type: String, required: true },
    subject: { type: String, required: true },
    type: { type: String, required: true },
    aggregateId: { type: String, required: true },
    aggregateVersion: { type: Number, required: true },
    occurredAt: { type: String, required: true },
    correlationId: { type: String, required: true },
    causationId: { type: String, default: null },
    data: { type: Schema.Types.Mixed, required: true },
    trace: { type: Schema.Types.Mixed },
  },
  { _id: false, minimize: false },
);

/** The field the relay finds pending outboxes by: set with the events, cleared once they are all out. */
const PENDING = 'outboxPending';

/**
 * Gives an aggregate's schema its outbox: the `outbox` array and the indexed flag the relay finds
 * pending events by, set whenever a document is saved with events (saveVersioned sets it on update).
 */
export function withOutbox(schema: Schema): void {
  schema.add({ outbox: { type: [outboxEntrySchema], default: [] }, [PENDING]: { type: Boolean } });
  schema.index({ [PENDING]: 1 }, { sparse: true });
  schema.pre('save', function (this: { outbox: unknown[]; [PENDING]?: boolean }) {
    if (this.outbox.length > 0) this[PENDING] = true;
  });
}

/** What saveVersioned needs of a mongoose model (any model fits). */
export interface VersionedModel {
  readonly db: Connection;
  readonly collection: Collection;
  updateOne(filter: object, update: object): PromiseLike<{ modifiedCount: number }>;
}

/**
 * The one way an aggregate changes after its insert: its new fields and its events in one
 * single-document write, on condition that nobody changed it since `expectedVersion` was read.
 * False when somebody did (read again and decide again). Tells the relay about the events it added
 * (see OutboxRelay.added), also when the write failed without saying whether it happened.
 */
export async function saveVersioned(
  model: VersionedModel,
  outbox: OutboxRelay,
  change: {
    id: string;
    expectedVersion: number;
    set: object;
    unset?: readonly string[];
    events: readonly OutboxEntry[];
  },
): Promise<boolean> {
  const update: Record<string, unknown> = {
    $set: change.events.length > 0 ? { ...change.set, [PENDING]: true } : change.set,
  };
  if (change.unset?.length) update.$unset = Object.fromEntries(change.unset.map((field) => [field, 1]));
  if (change.events.length > 0) update.$push = { outbox: { $each: change.events } };
  // The condition's fields read with the driver: a mongoose query would only cast an _id already a string.
  const documents: ConditionalTarget = model.collection;
  const target: ConditionalTarget = {
    findOne: (filter, options) => documents.findOne(filter, options),
    updateOne: (filter, body) => model.updateOne(filter, body),
  };
  let saved: boolean;
  try {
    saved = await updateIf(model.db, target, change.id, { version: change.expectedVersion }, update);
  } catch (error) {
    if (change.events.length > 0) outbox.added(model.collection, change.id, null);
    throw error;
  }
  if (saved && change.events.length > 0) outbox.added(model.collection, change.id, change.events);
  return saved;
}

/**
 * A write in this process nudges the relay; the poll only catches what no nudge announced (events
 * a crashed replica left behind), so it can be rare.
 */
const IDLE_POLL_MS = 30_000;
const MAX_BACKOFF_MS = 5_000;
const PUBLISH_TIMEOUT_MS = 2_000;

/** An outbox as this process wrote it; `held`: an insert's events not to be published before release(). */
interface KnownOutbox {
  readonly entries: OutboxEntry[];
  held: boolean;
}

export class OutboxRelay {
  private readonly collections: Collection[] = [];
  /** Collections whose documents written before the pending flag existed have been flagged. */
  private readonly flagged = new WeakSet<Collection>();
  private running = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private pendingNudge = false;
  /** Documents written with events since the last pass, by collection: the next pass reads just them, by _id. */
  private announced = new Map<Collection, Set<mongo.ObjectId>>();
  /** Whether the next pass looks through every collection for pending events (see run). */
  private sweepDue = true;
  /**
   * Outboxes this process knows whole, by collection and _id: those of documents it inserted, with
   * every event it added to them since. A pass publishes them without reading them back. Forgotten
   * once the outbox is cleared, or when a write's outcome is unknown (then it is read again).
   */
  private readonly known = new Map<Collection, Map<string, KnownOutbox>>();
  /** Documents given events since the current pass began (see clear). */
  private addedSincePass = new Map<Collection, Set<string>>();

  constructor(
    private readonly broker: Broker,
    private readonly log: Logger,
    private readonly metrics: ServiceMetrics,
    private readonly lock: AggregateLock,
    /** idlePollMs: how often it looks for events no nudge announced (a test makes it longer). */
    private readonly options: { readonly idlePollMs?: number } = {},
  ) {
    const backlog = () => this.backlog();
    new Gauge({
      name: 'outbox_pending_events',
      help: 'Events written but not yet published (a NATS outage, or a relay falling behind)',
      registers: [metrics.registry],
      async collect() {
        this.set((await backlog()).pending);
      },
    });
    new Gauge({
      name: 'outbox_oldest_event_age_seconds',
      help: 'How long the oldest unpublished event has waited (0 when none waits)',
      registers: [metrics.registry],
      async collect() {
        const { oldest } = await backlog();
        this.set(oldest === null ? 0 : (Date.now() - Date.parse(oldest)) / 1000);
      },
    });
  }

  /** What waits in the outboxes now, read at each scrape. */
  private async backlog(): Promise<{ pending: number; oldest: string | null }> {
    let pending = 0;
    let oldest: string | null = null;
    for (const collection of this.collections) {
      const documents = collection.find({ [PENDING]: true }, { projection: { outbox: 1 } });
      for await (const document of documents) {
        const entries = document.outbox as OutboxEntry[];
        pending += entries.length;
        const first = entries[0]?.occurredAt;
        if (first && (oldest === null || first < oldest)) oldest = first;
      }
    }
    return { pending, oldest };
  }

  /** Adds a collection whose documents have an `outbox` array. */
  // Any document type will do: the relay reads and pops only the `outbox` field.
  track<Document extends object>(collection: Collection<Document>): void {
    this.collections.push(collection as unknown as Collection);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /**
   * A new document was stored with these events: its outbox is exactly them. `wake`: publish them
   * now; otherwise they wait for release() (or for a later write's wake, or the poll).
   */
  inserted(collection: Collection, id: string, events: readonly OutboxEntry[], wake: boolean): void {
    if (events.length === 0) return;
    this.knownIn(collection).set(id, { entries: [...events], held: !wake });
    if (wake) this.nudge(collection, id);
  }

  /**
   * A write under the aggregate's lock (see AggregateLock) added these events to a document's
   * outbox, or failed without saying whether it did (`null`). Wakes the relay for them.
   */
  added(collection: Collection, id: string, events: readonly OutboxEntry[] | null): void {
    const known = this.known.get(collection)?.get(id);
    if (known && events) {
      known.entries.push(...events);
      known.held = false;
    } else this.known.get(collection)?.delete(id);
    const added = this.addedSincePass.get(collection) ?? new Set();
    this.addedSincePass.set(collection, added.add(id));
    this.nudge(collection, id);
  }

  /**
   * The events an insert held back (`wake: false`) may go now. Nothing to do when a later write
   * has already woken the relay for them (they went, or are going, out with its events).
   */
  release(collection: Collection, id: string): void {
    const known = this.known.get(collection)?.get(id);
    if (!known?.held) return;
    known.held = false;
    this.nudge(collection, id);
  }

  private knownIn(collection: Collection): Map<string, KnownOutbox> {
    let known = this.known.get(collection);
    if (!known) this.known.set(collection, (known = new Map<string, KnownOutbox>()));
    return known;
  }

  /**
   * Wakes the relay, so events go out now rather than at the next poll; with the document's
   * collection and _id, the next pass takes that document alone (from what this process knows of
   * its outbox, or read by _id), without looking through the collection for pending outboxes.
   */
  nudge(collection?: Collection, id?: string): void {
    if (collection && id !== undefined) {
      const ids = this.announced.get(collection) ?? new Set();
      // Our aggregates' _ids are strings; the driver's types say ObjectId (see clear).
      this.announced.set(collection, ids.add(id as unknown as mongo.ObjectId));
    } else this.sweepDue = true;
    this.pendingNudge = true;
    this.wake?.();
  }

  /**
   * Stops the loop, then publishes what is still pending once more: events written after its last
   * pass (by the last requests and messages of a stopping service) go out now, not at another
   * replica's next poll. A failure (NATS gone) leaves them in the outbox for whoever runs next.
   */
  async stop(): Promise<void> {
    const wasRunning = this.running;
    this.running = false;
    this.wake?.();
    await this.loop;
    if (!wasRunning) return;
    try {
      await this.publishPending();
    } catch (error) {
      this.log.warn({ err: error }, 'outbox relay could not flush before stopping; events stay in the outbox');
    }
  }

  /** Publishes everything pending once; returns how many events went out. */
  async publishPending(): Promise<number> {
    let published = 0;
    for (const collection of this.collections) {
      await this.flagOlderDocuments(collection);
      const documents = collection.find({ [PENDING]: true }, { projection: { outbox: 1 } });
      for await (const document of documents) {
        const id = document._id;
        const entries = document.outbox as OutboxEntry[];
        for (const entry of entries) await this.publish(entry);
        published += entries.length;
        // Under the aggregate's lock, so it never interleaves with a state change (see AggregateLock).
        await this.lock.run(String(id), () => this.clear(collection, id, entries));
      }
    }
    return published;
  }

  /**
   * Publishes the events of documents announced by nudge: as this process stored them when it
   * knows their outbox whole, otherwise read by _id. Both spare the search for pending outboxes
   * (`outboxPending: true`), which FerretDB on SQLite answers by decoding every document of the
   * collection (measured: a scan per booking in each of reservation and payment, growing with the
   * collections); the first spares the read too.
   */
  private async publishAnnounced(announced: ReadonlyMap<Collection, ReadonlySet<mongo.ObjectId>>): Promise<number> {
    let published = 0;
    for (const [collection, ids] of announced) {
      for (const id of ids) {
        const known = this.known.get(collection)?.get(String(id));
        const entries = known
          ? [...known.entries]
          : (((await collection.findOne({ _id: id }, { projection: { outbox: 1 } }))?.outbox ?? []) as OutboxEntry[]);
        if (entries.length === 0) continue;
        for (const entry of entries) await this.publish(entry);
        published += entries.length;
        await this.lock.run(String(id), () => this.clear(collection, id, entries));
      }
    }
    return published;
  }

  /**
   * Removes published events from the front of a document's outbox, under the aggregate's lock.
   * Usually they are all it holds: one write empties it and clears the flag. Where this process is
   * the only writer of its aggregates (EngineCapabilities.writerReplicas) and added no event to
   * the document since this pass began, they are all it holds for certain: that write goes by
   * `_id` alone, with no condition and so no read on FerretDB (see updateIf). Otherwise it is
   * conditional; when a change added events since (or another relay popped some), each published
   * event is popped on its own, guarded by the head's id, and the flag is cleared only if the
   * outbox is then empty.
   */
  private async clear(collection: Collection, id: mongo.ObjectId, entries: readonly OutboxEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const key = String(id);
    this.known.get(collection)?.delete(key);
    const addedSince = this.addedSincePass.get(collection)?.has(key) ?? false;
    if (!addedSince && (await engineOf(collection.conn)).writerReplicas === 1) {
      await collection.updateOne({ _id: id }, { $set: { outbox: [] }, $unset: { [PENDING]: '' } });
      return;
    }
    // Each by _id, with its condition checked as the engine allows (see updateIf).
    const documents: ConditionalTarget = collection;
    const updateIfStill = (condition: FieldCondition, update: object) =>
      updateIf(collection.conn, documents, id, condition, update);
    const emptied = await updateIfStill(
      { 'outbox.0.id': entries[0].id, [`outbox.${entries.length}`]: { $exists: false } },
      { $set: { outbox: [] }, $unset: { [PENDING]: '' } },
    );
    if (emptied) return;
    for (const entry of entries) await updateIfStill({ 'outbox.0.id': entry.id }, { $pop: { outbox: -1 } });
    await updateIfStill({ 'outbox.0': { $exists: false } }, { $unset: { [PENDING]: '' } });
  }

  /** Once per collection: documents stored before the flag existed, with events still in their outbox. */
  private async flagOlderDocuments(collection: Collection): Promise<void> {
    if (this.flagged.has(collection)) return;
    await collection.updateMany(
      { 'outbox.0': { $exists: true }, [PENDING]: { $exists: false } },
      { $set: { [PENDING]: true } },
    );
    this.flagged.add(collection);
  }

  private async publish(entry: OutboxEntry): Promise<void> {
    const { subject, trace, ...envelope } = entry;
    const headers = natsHeaders();
    const ack = await publishingSpan(subject, envelope.id, trace, headers, () =>
      this.broker.jetstream.publish(subject, JSON.stringify(envelope), {
        msgID: envelope.id,
        timeout: PUBLISH_TIMEOUT_MS,
        headers,
      }),
    );
    this.metrics.eventsPublished.inc({ type: envelope.type, duplicate: String(ack.duplicate) });
  }

  private async run(): Promise<void> {
    const idlePollMs = this.options.idlePollMs ?? IDLE_POLL_MS;
    let backoff = 100;
    let lastSweepAt = 0;
    while (this.running) {
      this.pendingNudge = false;
      let delay = idlePollMs;
      // A pass looks through every collection at the start, after a failure, after a nudge without
      // an id, and at least once per idle poll interval however busy (what no nudge announced: a
      // crashed replica's leftovers, events a failed pass left); otherwise it reads only the
      // documents announced since the last pass.
      const sweep = this.sweepDue || Date.now() - lastSweepAt >= idlePollMs;
      const announced = this.announced;
      this.sweepDue = false;
      this.announced = new Map();
      this.addedSincePass = new Map();
      try {
        if (sweep) {
          lastSweepAt = Date.now();
          await this.publishPending();
        } else await this.publishAnnounced(announced);
        backoff = 100;
      } catch (error) {
        this.log.warn({ err: error }, 'outbox relay could not publish; will retry');
        delay = backoff;
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
        this.sweepDue = true;
      }
      // Stopped during the round: sleeping now would hold stop() for a whole poll interval.
      if (!this.running) break;
      if (this.pendingNudge && delay === idlePollMs) continue;
      await new Promise<void>((resolve) => {
        // stop() during the pass above found no wake to call: it must not wait for the next poll.
        if (!this.running) return resolve();
        const timer = setTimeout(resolve, delay);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }
}
