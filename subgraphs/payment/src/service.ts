import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Sealer, startSubgraph, type RunningService } from '@roombook/kernel';
import { parse } from 'graphql';
import { authorizeRoute } from './authorizeRoute';
import type { PaymentConfig } from './config';
import { PaymentCommands } from './paymentCommands';
import { PaymentRecovery } from './paymentRecovery';
import { PaymentStore } from './paymentStore';
import { SimulatedProvider } from './provider/simulatedProvider';
import { reservationConsumer } from './reservationConsumer';
import { CARD_TOKEN_SEAL_PURPOSE } from './reservationEvents';
import { paymentResolvers } from './resolvers';

export const PAYMENT_SCHEMA_PATH = join(__dirname, '..', 'schema.graphql');

const RECOVERY_INTERVAL_MS = 3_000;
/** How much longer than one provider call a synchronous caller waits for a charge already in flight. */
const SETTLEMENT_WAIT_MARGIN_MS = 2_000;
/** A provider call this old without an outcome is taken as lost (at least twice the simulated latency, see below). */
const STALE_AFTER_MS = 10_000;

/** Composition root of the payment subgraph (used by main.ts and by in-process tests). */
export function startPaymentService(config: PaymentConfig): Promise<RunningService> {
  return startSubgraph('payment', config, async ({ database, outbox, aggregateLock, log }) => {
    const store = new PaymentStore(database, outbox);
    await store.ready();
    const sealer = new Sealer(config.SUBGRAPH_SECRET, CARD_TOKEN_SEAL_PURPOSE);
    const payments = new PaymentCommands(
      store,
      new SimulatedProvider(database, config.PAYMENT_LATENCY_MS),
      sealer,
      log,
      aggregateLock,
    );
    const recovery = new PaymentRecovery(
      store,
      payments,
      {
        intervalMs: RECOVERY_INTERVAL_MS,
        staleAfterMs: Math.max(STALE_AFTER_MS, 2 * config.PAYMENT_LATENCY_MS),
      },
      log,
    );
    recovery.start();
    return {
      typeDefs: parse(readFileSync(PAYMENT_SCHEMA_PATH, 'utf8')),
      resolvers: paymentResolvers(store),
      consumers: [reservationConsumer(payments, log)],
      internalRoutes: authorizeRoute(payments, sealer, config.PAYMENT_LATENCY_MS + SETTLEMENT_WAIT_MARGIN_MS, log),
      onStop: () => recovery.stop(),
    };
  });
}
