import { REVIEW_EVENTS, type OutboxEntry } from '@roombook/contracts';
import type { Review } from './domain/review';

/** ReviewWritten or ReviewDeleted, carrying the review's facts as they now are (not its comment). */
export function reviewEvent(review: Review): OutboxEntry {
  return REVIEW_EVENTS.create(review.status === 'PUBLISHED' ? 'ReviewWritten' : 'ReviewDeleted', {
    aggregateId: review.id,
    aggregateVersion: review.version,
    occurredAt: review.updatedAt,
    correlationId: review.reservationId,
    data: {
      reviewId: review.id,
      roomId: review.roomId,
      authorId: review.authorId,
      reservationId: review.reservationId,
      rating: review.rating,
      status: review.status,
    },
  });
}
