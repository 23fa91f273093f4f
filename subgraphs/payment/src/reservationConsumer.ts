import { assertUnreachable, type ConsumerSpec, type Logger } from '@roombook/kernel';
import type { PaymentCommands } from './paymentCommands';
import { RESERVATION_EVENTS, instructionFor } from './reservationEvents';

/** Charges new reservations and refunds cancelled ones, from the reservation context's events. */
export function reservationConsumer(payments: PaymentCommands, log: Logger): ConsumerSpec {
  return {
    durable: 'payment-reservations',
    stream: RESERVATION_EVENTS.stream,
    filterSubject: RESERVATION_EVENTS.subjects,
    async handle(event) {
      const instruction = instructionFor(event);
      switch (instruction.kind) {
        case 'authorize':
          await payments.authorize(instruction.request, instruction.sealedToken, event.id);
          return;
        case 'refund':
          if (!(await payments.refundForCancellation(instruction.reservationId, event.id))) {
            log.info(
              { eventId: event.id, reservationId: instruction.reservationId },
              'cancelled reservation has no payment',
            );
          }
          return;
        case 'ignore':
          return;
        default:
          assertUnreachable(instruction);
      }
    },
  };
}
