import { join } from 'node:path';
import { CARD_TOKEN_SEAL_PURPOSE } from '@roombook/contracts';
import {
  CommandHandler,
  Sealer,
  ServiceClient,
  readSubgraphSchema,
  startSubgraph,
  systemClock,
  type RunningService,
} from '@roombook/kernel';
import type { ReservationConfig } from './config';
import type { ReservationDependencies } from './dependencies';
import { reservationLookupHandler } from './lookingUp/reservationLookup';
import { NightLedger } from './nightLedger';
import { PaymentGateway } from './paymentGateway';
import { roomEventConsumer } from './replicatingRooms/onRoomEvent';
import { BookingsInFlight } from './reserving/bookingsInFlight';
import { ReservationStore } from './reservationStore';
import { reservationResolvers } from './resolvers';
import { RoomDirectory } from './roomDirectory';
import { SagaMetrics } from './sagaMetrics';
import { paymentEventConsumer } from './settlingPayment/onPaymentEvent';
import { ReservationTransitions } from './transitions';
import { reservationWarmUp } from './warmingUp/reservationWarmUp';

export const RESERVATION_SCHEMA_PATH = join(__dirname, '..', 'schema.graphql');
const HELD_STATUSES = new Set(['PENDING', 'CONFIRMED', 'CANCELLATION_REQUESTED']);
const SWEEP_EVERY_MS = 30_000;
const SWEEP_GRACE_MS = 60_000;

/** Composition root of the reservation subgraph. */
export function startReservationService(config: ReservationConfig): Promise<RunningService> {
  return startSubgraph('reservation', config, ({ config, database, outbox, aggregateLock, tokens, metrics, log }) => {
    const client = new ServiceClient('reservation', tokens);
    const store = new ReservationStore(database, outbox);
    const ledger = new NightLedger(database);
    const rooms = new RoomDirectory(
      database,
      client,
      config.SUBGRAPH_ROOM_URL,
      config.ROOM_LOOKUP_TIMEOUT_MS,
      log,
      aggregateLock,
    );
    const transitions = new ReservationTransitions(
      new CommandHandler('Reservation', store, aggregateLock),
      ledger,
      new SagaMetrics(metrics.registry, (before) => store.countPendingSince(before)),
      log,
    );
    const payments = new PaymentGateway({
      client,
      paymentUrl: config.SUBGRAPH_PAYMENT_URL,
      timeoutMs: config.PAYMENT_TIMEOUT_MS,
      resetTimeoutMs: config.PAYMENT_CIRCUIT_RESET_MS,
      registry: metrics.registry,
      log,
    });
    const deps: ReservationDependencies = {
      store,
      ledger,
      rooms,
      payments,
      transitions,
      bookingsInFlight: new BookingsInFlight(),
      sealer: new Sealer(config.SUBGRAPH_SECRET, CARD_TOKEN_SEAL_PURPOSE),
      clock: systemClock,
    };

    // Nights a crash left claimed without a live reservation are freed in the background.
    const sweeper = setInterval(() => {
      ledger
        .sweep(SWEEP_GRACE_MS, async (ids) => {
          const statuses = await store.statusesOf(ids);
          return new Set(ids.filter((id) => HELD_STATUSES.has(statuses.get(id) ?? '')));
        })
        .catch((error: unknown) => log.warn({ err: error }, 'night sweep failed'));
    }, SWEEP_EVERY_MS);

    return {
      typeDefs: readSubgraphSchema(RESERVATION_SCHEMA_PATH),
      resolvers: reservationResolvers(deps),
      consumers: [
        roomEventConsumer(rooms, store, transitions, deps.clock),
        paymentEventConsumer(transitions, deps.clock, log),
      ],
      internalHandlers: [reservationLookupHandler(store)],
      warmUp: reservationWarmUp(rooms),
      onStop: () => {
        clearInterval(sweeper);
        payments.shutdown();
      },
    };
  });
}
