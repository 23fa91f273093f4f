import { join } from 'node:path';
import {
  CommandHandler,
  ServiceClient,
  readSubgraphSchema,
  startSubgraph,
  systemClock,
  type RunningService,
} from '@roombook/kernel';
import type { ReviewConfig } from './config';
import type { ReviewDependencies } from './dependencies';
import { reservationEventConsumer } from './replicatingReservations/onReservationEvent';
import { reviewResolvers } from './resolvers';
import { ReviewStore } from './reviewStore';
import { StayDirectory } from './stayDirectory';

export const REVIEW_SCHEMA_PATH = join(__dirname, '..', 'schema.graphql');

/** Composition root of the review subgraph (used by main.ts and by in-process tests). */
export function startReviewService(config: ReviewConfig): Promise<RunningService> {
  return startSubgraph('review', config, ({ config, database, outbox, aggregateLock, tokens, log }) => {
    const reviews = new ReviewStore(database, outbox);
    const stays = new StayDirectory(
      database,
      {
        client: new ServiceClient('review', tokens),
        reservationUrl: config.SUBGRAPH_RESERVATION_URL,
        timeoutMs: config.RESERVATION_LOOKUP_TIMEOUT_MS,
      },
      aggregateLock,
      log,
    );
    const deps: ReviewDependencies = {
      reviews,
      commands: new CommandHandler('Review', reviews, aggregateLock),
      stays,
      clock: systemClock,
    };
    return {
      typeDefs: readSubgraphSchema(REVIEW_SCHEMA_PATH),
      resolvers: reviewResolvers(deps),
      consumers: [reservationEventConsumer(stays)],
    };
  });
}
