import { z } from 'zod';
import { EventFamily, type EventOf } from './eventFamily';

export const REVIEW_STATUSES = ['PUBLISHED', 'DELETED'] as const;

/** The review as it stands after the change (the comment is not part of it: nobody downstream needs it). */
export const reviewFactsSchema = z.object({
  reviewId: z.string().min(1),
  roomId: z.string().min(1),
  authorId: z.string().min(1),
  reservationId: z.string().min(1),
  rating: z.number().int().min(1).max(5),
  status: z.enum(REVIEW_STATUSES),
});
export type ReviewFacts = z.output<typeof reviewFactsSchema>;

/** The review context's published events (stream REVIEWS). */
export const REVIEW_EVENTS = new EventFamily('REVIEWS', {
  ReviewWritten: { subject: 'reviews.written', data: reviewFactsSchema },
  ReviewDeleted: { subject: 'reviews.deleted', data: reviewFactsSchema },
});
export type ReviewEvent = EventOf<typeof REVIEW_EVENTS>;
