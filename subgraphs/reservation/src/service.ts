import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Sealer, ServiceClient, startSubgraph, type RunningService } from '@roombook/kernel';
import { parse } from 'graphql';
import type { ReservationConfig } from './config';
import { NightLedger } from './nightLedger';
import { PaymentGateway } from './paymentGateway';
import { roomEventHandler } from './replicatingRooms/onRoomEvent';
import { ReservationStore } from './reservationStore';
import { reservationResolvers } from './resolvers';
import { RoomDirectory } from './roomDirectory';
import { paymentEventHandler } from './settlingPayment/onPaymentEvent';
import { ReservationTransitions } from './transitions';

export const RESERVATION_SCHEMA_PATH = join(__dirname, '..', 'schema.graphql');
const HELD_STATUSES = new Set(['PENDING', 'CONFIRMED', 'CANCELLATION_REQUESTED']);
const SWEEP_EVERY_MS = 30_000;
const SWEEP_GRACE_MS = 60_000;

/** Composition root of the reservation subgraph. */
export function startReservationService(config: ReservationConfig): Promise<RunningService> {
  return startSubgraph('reservation', config, ({ database, outbox, aggregateLock, tokens, metrics, log }) => {
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
    const transitions = new ReservationTransitions(store, ledger, aggregateLock);
    const payments = new PaymentGateway({
      client,
      authorizeUrl: new URL('/internal/payments/authorize', config.SUBGRAPH_PAYMENT_URL).toString(),
      timeoutMs: config.PAYMENT_TIMEOUT_MS,
      resetTimeoutMs: config.PAYMENT_CIRCUIT_RESET_MS,
      registry: metrics.registry,
      log,
    });
    const deps = {
      store,
      ledger,
      rooms,
      payments,
      transitions,
      sealer: new Sealer(config.SUBGRAPH_SECRET, 'payment-token'),
      clock: () => new Date(),
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
      typeDefs: parse(readFileSync(RESERVATION_SCHEMA_PATH, 'utf8')),
      resolvers: reservationResolvers(deps),
      consumers: [
        {
          durable: 'reservation-rooms',
          stream: 'ROOMS',
          filterSubject: 'rooms.>',
          handle: roomEventHandler(rooms, store, transitions),
        },
        {
          durable: 'reservation-payments',
          stream: 'PAYMENTS',
          filterSubject: 'payments.>',
          handle: paymentEventHandler(transitions, log),
        },
      ],
      onStop: () => {
        clearInterval(sweeper);
        payments.shutdown();
      },
    };
  });
}
