import {
  DateTimeScalar,
  decodeNewestFirstCursor,
  newestFirstKey,
  pageSize,
  perRequest,
  perRequestLoader,
  toConnection,
  type RequestContext,
} from '@roombook/kernel';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';
import DataLoader from 'dataloader';
import { deleteReview } from './deleting/deleteReview';
import type { ReviewDependencies } from './dependencies';
import { averageOf, type Review } from './domain/review';
import type { RatingSummary } from './reviewStore';
import { writeReview, type WriteReviewInput } from './writing/writeReview';

const RATINGS = Symbol('ratings');
const NO_REVIEWS: RatingSummary = { count: 0, ratingTotal: 0 };

export function reviewResolvers(deps: ReviewDependencies): GraphQLResolverMap<RequestContext> {
  /** reviewCount and averageRating of a whole page of rooms: one query. */
  const ratings = (context: RequestContext) =>
    perRequest(
      context,
      RATINGS,
      () =>
        new DataLoader<string, RatingSummary>(async (roomIds) => {
          const summaries = await deps.reviews.ratingsOf(roomIds);
          return roomIds.map((id) => summaries.get(id) ?? NO_REVIEWS);
        }),
    );
  const reviews = perRequestLoader((ids) => deps.reviews.findMany(ids));
  const published = (review: Review | null) => (review?.status === 'PUBLISHED' ? review : null);

  return {
    DateTime: DateTimeScalar,
    Query: {
      review: async (_: unknown, { id }: { id: string }) => published(await deps.reviews.findById(id)),
    },
    Mutation: {
      writeReview: (_: unknown, { input }: { input: WriteReviewInput }, { identity }: RequestContext) =>
        writeReview(deps, identity, input),
      deleteReview: (_: unknown, { id }: { id: string }, { identity }: RequestContext) =>
        deleteReview(deps, identity, id),
    },
    Review: {
      __resolveReference: async ({ id }: { id: string }, context: RequestContext) =>
        published(await reviews(context).load(id)),
      room: (review: Review) => ({ __typename: 'Room', id: review.roomId }),
    },
    Room: {
      __resolveReference: ({ id }: { id: string }) => ({ id }),
      reviews: async ({ id }: { id: string }, { first, after }: { first?: number | null; after?: string | null }) => {
        const size = pageSize(first);
        const { reviews, totalCount } = await deps.reviews.listByRoom(
          id,
          size + 1,
          after ? decodeNewestFirstCursor(after) : null,
        );
        return toConnection(reviews, size, totalCount, newestFirstKey);
      },
      reviewCount: async ({ id }: { id: string }, _: unknown, context: RequestContext) =>
        (await ratings(context).load(id)).count,
      averageRating: async ({ id }: { id: string }, _: unknown, context: RequestContext) => {
        const { ratingTotal, count } = await ratings(context).load(id);
        return averageOf(ratingTotal, count);
      },
    },
  };
}
