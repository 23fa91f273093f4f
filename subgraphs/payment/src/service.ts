import { join } from 'node:path';
import { CARD_TOKEN_SEAL_PURPOSE } from '@roombook/contracts';
import {
  CommandHandler,
  Sealer,
  readSubgraphSchema,
  startSubgraph,
  systemClock,
  type RunningService,
} from '@roombook/kernel';
import { authorizeHandler } from './authorizing/authorizeHandler';
import type { PaymentConfig } from './config';
import type { PaymentDependencies } from './dependencies';
import { PaymentStore } from './paymentStore';
import { SimulatedProvider } from './provider/simulatedProvider';
import { PaymentRecovery } from './recovering/paymentRecovery';
import { paymentResolvers } from './resolvers';
import { reservationEventConsumer } from './settlingReservations/onReservationEvent';
import { paymentWarmUp } from './warmingUp/paymentWarmUp';

export const PAYMENT_SCHEMA_PATH = join(__dirname, '..', 'schema.graphql');

const RECOVERY_INTERVAL_MS = 3_000;
/** How much longer than one provider call a synchronous caller waits for a charge already in flight. */
const SETTLEMENT_WAIT_MARGIN_MS = 2_000;
/** A provider call this old without an outcome is taken as lost (at least twice the simulated latency, see below). */
const STALE_AFTER_MS = 10_000;

/** Composition root of the payment subgraph (used by main.ts and by in-process tests). */
export function startPaymentService(config: PaymentConfig): Promise<RunningService> {
  return startSubgraph('payment', config, ({ config, database, outbox, aggregateLock, log }) => {
    const store = new PaymentStore(database, outbox);
    const deps: PaymentDependencies = {
      store,
      commands: new CommandHandler('Payment', store, aggregateLock),
      provider: new SimulatedProvider(database, config.PAYMENT_LATENCY_MS),
      sealer: new Sealer(config.SUBGRAPH_SECRET, CARD_TOKEN_SEAL_PURPOSE),
      log,
      clock: systemClock,
    };
    const recovery = new PaymentRecovery(deps, {
      intervalMs: RECOVERY_INTERVAL_MS,
      staleAfterMs: Math.max(STALE_AFTER_MS, 2 * config.PAYMENT_LATENCY_MS),
    });
    recovery.start();
    return {
      typeDefs: readSubgraphSchema(PAYMENT_SCHEMA_PATH),
      resolvers: paymentResolvers(store),
      consumers: [reservationEventConsumer(deps)],
      internalHandlers: [authorizeHandler(deps, config.PAYMENT_LATENCY_MS + SETTLEMENT_WAIT_MARGIN_MS)],
      onStop: () => recovery.stop(),
      warmUp: paymentWarmUp(),
    };
  });
}
