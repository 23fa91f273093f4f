import { subgraphEnv } from '@roombook/kernel';
import { z } from 'zod';

export const configSchema = subgraphEnv.extend({
  /** How long each call to the simulated provider takes, to exercise timeouts and PENDING by hand and in tests. */
  PAYMENT_LATENCY_MS: z.coerce.number().int().min(0).default(0),
});
export type PaymentConfig = typeof configSchema._output;
