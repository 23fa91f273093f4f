import { PAYMENT_EVENTS, type PaymentEvent } from '@roombook/contracts';
import { NotFound, consumerOf, type Clock, type Logger } from '@roombook/kernel';
import { completeCancellation, confirm, paymentDeclined, type Reservation } from '../domain/reservation';
import type { ReservationTransitions } from '../transitions';

/** The saga's next step for payment's news; null for news this context does not act on. */
function transitionFor(event: PaymentEvent, now: Date): ((current: Reservation) => Reservation | null) | null {
  switch (event.type) {
    case 'PaymentApproved':
      return (current) => confirm(current, now);
    case 'PaymentDeclined':
      return (current) => paymentDeclined(current, event.data.failureReason ?? 'declined', now);
    case 'PaymentRefunded':
      return (current) => completeCancellation(current, now);
    case 'PaymentRefundRequested':
      return null;
  }
}

/** Completes the saga from payment's news: approved, declined, refunded. Repeats are no-op transitions. */
export function paymentEventConsumer(transitions: ReservationTransitions, clock: Clock, log: Logger) {
  return consumerOf({
    durable: 'reservation-payments',
    events: PAYMENT_EVENTS,
    async handle(event) {
      const transition = transitionFor(event, clock());
      if (!transition) return;
      try {
        await transitions.apply(event.data.reservationId, transition, event.id);
      } catch (error) {
        // Not worth redelivering: no retry will make an unknown reservation appear.
        if (!(error instanceof NotFound)) throw error;
        log.warn(
          { eventId: event.id, reservationId: event.data.reservationId },
          'payment event for an unknown reservation',
        );
      }
    },
  });
}
