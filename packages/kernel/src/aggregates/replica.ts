import type { Collection, Connection } from 'mongoose';
import { isDuplicateKeyError } from '../database';
import type { AggregateLock } from './aggregateLock';

/**
 * What a context keeps of another context's aggregates (fed by their events, and by a direct
 * lookup for one it has not heard of yet), moving only forward: facts replace the stored ones
 * only if they are at least as new by `order` (a version, or an ISO time), so a repeated or late
 * event, or a lookup answered before an event arrives, never takes the replica back.
 */
export class Replica<Facts extends { readonly id: string }> {
  private readonly documents: Collection<Record<string, unknown> & { _id: string }>;
  /**
   * Reads on their way, by id: a find while another of the same document is being read shares
   * its answer instead of sending one more (a burst of bookings on one room asked for its facts
   * once per booking, measured at a database command each). Facts applied since are not missed:
   * apply() lets the finds that follow it read again.
   */
  private readonly reading = new Map<string, Promise<Facts | null>>();

  constructor(
    database: Connection,
    private readonly collectionName: string,
    private readonly order: Exclude<keyof Facts, 'id'> & string,
    /** Taken per document: the event consumer and a lookup may apply facts of one aggregate at once. */
    private readonly lock: AggregateLock,
  ) {
    this.documents = database.collection(collectionName);
  }

  /** The facts held of `id`; callers share the object returned, so none may change it. */
  find(id: string): Promise<Facts | null> {
    const shared = this.reading.get(id);
    if (shared) return shared;
    const read: Promise<Facts | null> = this.documents
      .findOne({ _id: id })
      .then((document) => (document ? factsOf<Facts>(document) : null))
      .finally(() => {
        if (this.reading.get(id) === read) this.reading.delete(id);
      });
    this.reading.set(id, read);
    return read;
  }

  async apply(facts: Facts): Promise<void> {
    const { id, ...fields } = facts;
    await this.lock.run(`replica:${this.collectionName}:${id}`, async () => {
      try {
        await this.documents.updateOne(
          { _id: id, [this.order]: { $lte: facts[this.order] } },
          { $set: fields },
          { upsert: true },
        );
      } catch (error) {
        // The upsert met a newer document, so matched nothing and tried to insert: nothing to do.
        if (!isDuplicateKeyError(error)) throw error;
      } finally {
        // A read begun before this write may answer with the facts it replaced: later finds read again.
        this.reading.delete(id);
      }
    });
  }
}

function factsOf<Facts>({ _id, ...facts }: Record<string, unknown> & { _id: string }): Facts {
  return { ...facts, id: _id } as unknown as Facts;
}
