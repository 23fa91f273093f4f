import type { Clock, Sealer } from '@roombook/kernel';
import type { Reservation } from './domain/reservation';
import type { NightLedger } from './nightLedger';
import type { PaymentGateway } from './paymentGateway';
import type { BookingsInFlight } from './reserving/bookingsInFlight';
import type { ReservationStore } from './reservationStore';
import type { RoomDirectory } from './roomDirectory';
import type { ReservationTransitions } from './transitions';

/** What the reservation use cases work with; service.ts builds it. */
export interface ReservationDependencies {
  readonly store: ReservationStore;
  readonly ledger: NightLedger;
  readonly rooms: RoomDirectory;
  readonly payments: PaymentGateway;
  readonly transitions: ReservationTransitions;
  /** Bookings with an idempotency key being made in this process, so a concurrent retry joins one. */
  readonly bookingsInFlight: BookingsInFlight<Reservation>;
  /** Seals the card token for its trip through ReservationRequested. */
  readonly sealer: Sealer;
  readonly clock: Clock;
}
