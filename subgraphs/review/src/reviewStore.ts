import {
  aggregateSchema,
  MongoAggregateStore,
  olderThan,
  type NewestFirstPosition,
  type OutboxRelay,
} from '@roombook/kernel';
import type { Connection } from 'mongoose';
import type { Review } from './domain/review';

const reviewSchema = aggregateSchema('reviews', {
  roomId: { type: String, required: true },
  authorId: { type: String, required: true },
  // One review per reservation, ever: the second insert fails as a duplicate key, whatever the concurrency.
  reservationId: { type: String, required: true, unique: true },
  rating: { type: Number, required: true },
  comment: { type: String, default: null },
  status: { type: String, enum: ['PUBLISHED', 'DELETED'], required: true },
});
// A room's reviews, newest first, and its rating.
reviewSchema.index({ roomId: 1, status: 1, createdAt: -1, _id: -1 });

export interface RatingSummary {
  readonly count: number;
  readonly ratingTotal: number;
}

/** Reviews with their outbox: a review and its event are one document write. */
export class ReviewStore extends MongoAggregateStore<Review> {
  constructor(database: Connection, outbox: OutboxRelay) {
    super(database, 'Review', reviewSchema, outbox, {
      fromStored: (review) => ({ ...review, comment: review.comment ?? null }),
    });
  }

  /** A room's published reviews, newest first. */
  async listByRoom(roomId: string, limit: number, after: NewestFirstPosition | null) {
    const query = { roomId, status: 'PUBLISHED' };
    const reviews = await this.find(after ? { ...query, ...olderThan(after) } : query, {
      sort: { createdAt: -1, _id: -1 },
      limit,
    });
    return { reviews, totalCount: () => this.model.countDocuments(query).exec() };
  }

  /**
   * Count and rating total of the published reviews of each room, for them all at once. Two
   * groupings rather than one with two accumulators: FerretDB v1 hands a group's documents to its
   * first accumulator only (the second sums to 0).
   */
  async ratingsOf(roomIds: readonly string[]): Promise<Map<string, RatingSummary>> {
    const match = { $match: { roomId: { $in: roomIds }, status: 'PUBLISHED' } };
    const [counts, totals] = await Promise.all([
      this.model.aggregate<{ _id: string; value: number }>([match, { $group: { _id: '$roomId', value: { $sum: 1 } } }]),
      this.model.aggregate<{ _id: string; value: number }>([
        match,
        { $group: { _id: '$roomId', value: { $sum: '$rating' } } },
      ]),
    ]);
    const ratingTotals = new Map(totals.map(({ _id, value }) => [_id, value]));
    return new Map(counts.map(({ _id, value }) => [_id, { count: value, ratingTotal: ratingTotals.get(_id) ?? 0 }]));
  }
}
