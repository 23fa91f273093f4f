import type { OutboxEntry } from '@roombook/contracts';
import {
  isDuplicateKeyError,
  olderThan,
  withOutbox,
  saveVersioned,
  type AggregateStore,
  type NewestFirstPosition,
  type OutboxRelay,
} from '@roombook/kernel';
import { Schema, Types, type Connection, type Model } from 'mongoose';
import type { Review } from './domain/review';

interface ReviewDocument extends Omit<Review, 'id'> {
  _id: string;
  outbox: OutboxEntry[];
}

const reviewSchema = new Schema<ReviewDocument>(
  {
    _id: { type: String, required: true },
    roomId: { type: String, required: true },
    authorId: { type: String, required: true },
    // One review per reservation, ever: the second insert fails as a duplicate key, whatever the concurrency.
    reservationId: { type: String, required: true, unique: true },
    rating: { type: Number, required: true },
    comment: { type: String, default: null },
    status: { type: String, enum: ['PUBLISHED', 'DELETED'], required: true },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
    version: { type: Number, required: true },
  },
  { collection: 'reviews', versionKey: false },
);
reviewSchema.plugin(withOutbox);
// A room's reviews, newest first, and its rating.
reviewSchema.index({ roomId: 1, status: 1, createdAt: -1, _id: -1 });

export interface RatingSummary {
  readonly count: number;
  readonly ratingTotal: number;
}

/** Reviews with their outbox: a review and its event are one document write. */
export class ReviewStore implements AggregateStore<Review> {
  private readonly reviews: Model<ReviewDocument>;

  constructor(
    database: Connection,
    private readonly outbox: OutboxRelay,
  ) {
    this.reviews = database.model<ReviewDocument>('Review', reviewSchema);
    outbox.track(this.reviews.collection);
  }

  newId(): string {
    return new Types.ObjectId().toHexString();
  }

  async findById(id: string): Promise<Review | null> {
    const document = await this.reviews.findById(id, { outbox: 0 }).lean<ReviewDocument>();
    return document ? toReview(document) : null;
  }

  async findMany(ids: readonly string[]): Promise<Map<string, Review>> {
    const documents = await this.reviews.find({ _id: { $in: ids } }, { outbox: 0 }).lean<ReviewDocument[]>();
    return new Map(documents.map((document) => [document._id, toReview(document)]));
  }

  /** False when the reservation has a review already. */
  async insert(review: Review, events: readonly OutboxEntry[]): Promise<boolean> {
    const { id, ...fields } = review;
    try {
      await this.reviews.create({ _id: id, ...fields, outbox: events });
    } catch (error) {
      if (isDuplicateKeyError(error)) return false;
      throw error;
    }
    this.outbox.nudge();
    return true;
  }

  async update(review: Review, expectedVersion: number, events: readonly OutboxEntry[]): Promise<boolean> {
    const { id, ...fields } = review;
    return saveVersioned(this.reviews, this.outbox, { id, expectedVersion, set: fields, events });
  }

  /** A room's published reviews, newest first. */
  async listByRoom(roomId: string, limit: number, after: NewestFirstPosition | null) {
    const query = { roomId, status: 'PUBLISHED' };
    const documents = await this.reviews
      .find(after ? { ...query, ...olderThan(after) } : query, { outbox: 0 })
      .sort({ createdAt: -1, _id: -1 })
      .limit(limit)
      .lean<ReviewDocument[]>();
    return { reviews: documents.map(toReview), totalCount: () => this.reviews.countDocuments(query).exec() };
  }

  /**
   * Count and rating total of the published reviews of each room, for them all at once. Two
   * groupings rather than one with two accumulators: FerretDB v1 hands a group's documents to its
   * first accumulator only (the second sums to 0).
   */
  async ratingsOf(roomIds: readonly string[]): Promise<Map<string, RatingSummary>> {
    const match = { $match: { roomId: { $in: roomIds }, status: 'PUBLISHED' } };
    const [counts, totals] = await Promise.all([
      this.reviews.aggregate<{ _id: string; value: number }>([
        match,
        { $group: { _id: '$roomId', value: { $sum: 1 } } },
      ]),
      this.reviews.aggregate<{ _id: string; value: number }>([
        match,
        { $group: { _id: '$roomId', value: { $sum: '$rating' } } },
      ]),
    ]);
    const ratingTotals = new Map(totals.map(({ _id, value }) => [_id, value]));
    return new Map(counts.map(({ _id, value }) => [_id, { count: value, ratingTotal: ratingTotals.get(_id) ?? 0 }]));
  }
}

function toReview(document: ReviewDocument): Review {
  const { _id, outbox: _outbox, ...review } = document;
  return { id: _id, ...review, comment: review.comment ?? null };
}
