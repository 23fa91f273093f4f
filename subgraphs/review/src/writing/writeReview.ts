import { Conflict, requireUser, type Identity } from '@roombook/kernel';
import type { ReviewDependencies } from '../dependencies';
import { decideWriting, parseReviewInput, type Review } from '../domain/review';
import { reviewEvent } from '../events';

export interface WriteReviewInput {
  readonly reservationId: string;
  readonly rating: number;
  readonly comment?: string | null;
}

/** The guest of a CONFIRMED reservation reviews its room, once. */
export async function writeReview(
  deps: ReviewDependencies,
  identity: Identity,
  input: WriteReviewInput,
): Promise<Review> {
  requireUser(identity); // who asks comes before whether the reservation exists
  const review = parseReviewInput(input);
  const stay = await deps.stays.find(review.reservationId);
  const written = decideWriting(identity, review, stay, deps.reviews.newId(), deps.clock());
  if (!(await deps.reviews.insert(written, [reviewEvent(written)]))) {
    throw new Conflict(`Reservation ${review.reservationId} has been reviewed already: one review per reservation`);
  }
  return written;
}
