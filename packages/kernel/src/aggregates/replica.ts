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

  constructor(
    database: Connection,
    private readonly collectionName: string,
    private readonly order: Exclude<keyof Facts, 'id'> & string,
    /** Taken per document: the event consumer and a lookup may apply facts of one aggregate at once. */
    private readonly lock: AggregateLock,
  ) {
    this.documents = database.collection(collectionName);
  }

  async find(id: string): Promise<Facts | null> {
    const document = await this.documents.findOne({ _id: id });
    return document ? factsOf(document) : null;
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
      }
    });
  }
}

function factsOf<Facts>({ _id, ...facts }: Record<string, unknown> & { _id: string }): Facts {
  return { ...facts, id: _id } as unknown as Facts;
}
