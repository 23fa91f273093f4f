import {
  Forbidden,
  InvalidState,
  NotFound,
  isAdmin,
  parseInput,
  requireUser,
  type Identity,
  type Versioned,
} from '@roombook/kernel/domain';
import { z } from 'zod';

export type ReviewStatus = 'PUBLISHED' | 'DELETED';

export interface Review extends Versioned {
  readonly roomId: string;
  readonly authorId: string;
  readonly reservationId: string;
  readonly rating: number;
  readonly comment: string | null;
  readonly status: ReviewStatus;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** What this context knows of a reservation: enough to say who may review which room. */
export interface ReviewableStay {
  readonly reservationId: string;
  readonly guestId: string;
  readonly roomId: string;
  readonly status: string;
  /** The aggregateVersion of the reservation event the facts come from: the replica only moves forward. */
  readonly version: number;
}

export const MAX_COMMENT_LENGTH = 2000;

export interface ReviewInput {
  readonly reservationId: string;
  readonly rating: number;
  readonly comment: string | null;
}

const RATING_RULE = 'must be a whole number between 1 and 5';

/** The contract's rules for WriteReviewInput; a blank comment is no comment. */
const reviewInput = z.object({
  reservationId: z.string().refine((id) => id.trim() !== '', 'must not be empty'),
  rating: z.number().int(RATING_RULE).min(1, RATING_RULE).max(5, RATING_RULE),
  comment: z
    .string()
    .nullish()
    .transform((comment) => comment?.trim() || null)
    .refine(
      (comment) => comment === null || comment.length <= MAX_COMMENT_LENGTH,
      `must be at most ${MAX_COMMENT_LENGTH} characters`,
    ),
});

export function parseReviewInput(input: {
  reservationId: string;
  rating: number;
  comment?: string | null;
}): ReviewInput {
  return parseInput(reviewInput, input);
}

/**
 * A stay whose latest known state may still turn CONFIRMED: a replica that says so may lag, so
 * writing a review asks the reservation service instead of refusing.
 */
export function mayStillConfirm(stay: ReviewableStay | null): boolean {
  return stay === null || stay.status === 'PENDING';
}

/** The guest of a CONFIRMED reservation reviews its room. The one-review-per-reservation rule is the store's (a unique key). */
export function decideWriting(
  identity: Identity,
  input: ReviewInput,
  stay: ReviewableStay | null,
  id: string,
  now: Date,
): Review {
  const author = requireUser(identity);
  if (!stay) throw new NotFound('Reservation', input.reservationId, 'input.reservationId');
  if (stay.guestId !== author.userId) {
    throw new Forbidden(`Only the guest of reservation ${stay.reservationId} may review it`);
  }
  if (stay.status !== 'CONFIRMED') {
    throw new InvalidState(
      `Reservation ${stay.reservationId} is ${stay.status}; only a CONFIRMED stay can be reviewed`,
    );
  }
  return {
    id,
    roomId: stay.roomId,
    authorId: author.userId,
    reservationId: stay.reservationId,
    rating: input.rating,
    comment: input.comment,
    status: 'PUBLISHED',
    createdAt: now,
    updatedAt: now,
    version: 1,
  };
}

/** The author or an ADMIN takes a review down; a deleted review is gone (NOT_FOUND), as if it never was. */
export function decideDeletion(identity: Identity, review: Review, now: Date): Review {
  const user = requireUser(identity);
  if (review.status === 'DELETED') throw new NotFound('Review', review.id, 'id');
  if (review.authorId !== user.userId && !isAdmin(user)) {
    throw new Forbidden(`Only the author or an ADMIN may delete review ${review.id}`);
  }
  return { ...review, status: 'DELETED', updatedAt: now, version: review.version + 1 };
}

/** The mean of the ratings, or null when there are none. */
export function averageOf(ratingTotal: number, count: number): number | null {
  return count === 0 ? null : ratingTotal / count;
}
