import type { Clock, CommandHandler, Logger, Sealer } from '@roombook/kernel';
import type { Payment } from './domain/payment';
import type { PaymentStore } from './paymentStore';
import type { PaymentProvider } from './provider/paymentProvider';

/** What the payment use cases work with; service.ts builds it. */
export interface PaymentDependencies {
  readonly store: PaymentStore;
  readonly commands: CommandHandler<Payment>;
  readonly provider: PaymentProvider;
  /** Opens the card token sealed in ReservationRequested, and seals a token while its charge may be retried. */
  readonly sealer: Sealer;
  readonly log: Logger;
  readonly clock: Clock;
}
