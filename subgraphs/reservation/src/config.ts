import { subgraphEnv } from '@roombook/kernel';
import { z } from 'zod';

export const configSchema = subgraphEnv.extend({
  SUBGRAPH_ROOM_URL: z.url().default('http://127.0.0.1:4001/graphql'),
  SUBGRAPH_PAYMENT_URL: z.url().default('http://127.0.0.1:4003/graphql'),
  /** How long reserveRoom waits for payment before answering PENDING. */
  PAYMENT_TIMEOUT_MS: z.coerce.number().int().min(50).default(2000),
  /** How long a booking waits for the room service about a room the replica does not know yet. */
  ROOM_LOOKUP_TIMEOUT_MS: z.coerce.number().int().min(50).default(2000),
  /** How long the payment circuit stays open before one trial call. */
  PAYMENT_CIRCUIT_RESET_MS: z.coerce.number().int().min(100).default(10_000),
});
export type ReservationConfig = z.infer<typeof configSchema>;
