import { requireUser, type Identity } from '@roombook/kernel';
import type { ReviewDependencies } from '../dependencies';
import { decideDeletion, type Review } from '../domain/review';
import { reviewEvent } from '../events';

/** The author or an ADMIN deletes a review; the room's rating no longer counts it. */
export async function deleteReview(deps: ReviewDependencies, identity: Identity, id: string): Promise<Review> {
  requireUser(identity); // who asks comes before whether the review exists
  const { state } = await deps.commands.handle(id, (review) => {
    const deleted = decideDeletion(identity, review, deps.clock());
    return { state: deleted, events: [reviewEvent(deleted)] };
  });
  return state;
}
