import { subgraphEnv } from '@roombook/kernel';
import { z } from 'zod';

export const configSchema = subgraphEnv.extend({
  /** Asked about a reservation the replica does not know as CONFIRMED yet (a review right after booking). */
  SUBGRAPH_RESERVATION_URL: z.url().default('http://127.0.0.1:4002/graphql'),
  /** How long writeReview waits for that answer. */
  RESERVATION_LOOKUP_TIMEOUT_MS: z.coerce.number().int().min(50).default(2000),
});
export type ReviewConfig = z.infer<typeof configSchema>;
