import { RESERVATION_EVENTS } from '@roombook/contracts';
import { consumerOf } from '@roombook/kernel';
import { chargeReservation } from '../charging/chargeReservation';
import type { PaymentDependencies } from '../dependencies';
import { refundReservation } from '../refunding/refundReservation';

/**
 * Charges new reservations and refunds cancelled ones, from the reservation context's events.
 * A repeat finds the payment that exists already (one per reservation) or nothing to refund.
 */
export function reservationEventConsumer(deps: PaymentDependencies) {
  return consumerOf({
    durable: 'payment-reservations',
    events: RESERVATION_EVENTS,
    // Each handling may wait on the provider: handle many at once.
    concurrency: 16,
    async handle(event) {
      switch (event.type) {
        case 'ReservationRequested': {
          const { reservationId, roomId, guestId, hostId, totalPrice, sealedPaymentToken } = event.data;
          const request = { reservationId, roomId, guestId, hostId, amount: totalPrice };
          await chargeReservation(deps, request, sealedPaymentToken ?? null, event.id);
          return;
        }
        case 'ReservationCancellationRequested':
          if (!(await refundReservation(deps, event.data.reservationId, event.id))) {
            deps.log.info(
              { eventId: event.id, reservationId: event.data.reservationId },
              'cancelled reservation has no payment',
            );
          }
          return;
        default:
          // Confirmed, rejected, cancelled: payment's part in those is already done.
          return;
      }
    },
  });
}
