import { NotFound, type EventEnvelope, type Logger } from '@roombook/kernel';
import { z } from 'zod';
import { completeCancellation, confirm, paymentDeclined } from '../domain/reservation';
import type { ReservationTransitions } from '../transitions';

/** What this context reads of the payment context's events. */
const paymentFacts = z.object({ reservationId: z.string(), failureReason: z.string().nullish() });

/** Completes the saga from payment's news: approved, declined, refunded. */
export function paymentEventHandler(transitions: ReservationTransitions, log: Logger) {
  return async (event: EventEnvelope): Promise<void> => {
    const facts = paymentFacts.parse(event.data);
    const now = new Date();
    const decide = {
      PaymentApproved: confirm,
      PaymentDeclined: (reservation: Parameters<typeof confirm>[0], at: Date) =>
        paymentDeclined(reservation, facts.failureReason ?? 'declined', at),
      PaymentRefunded: completeCancellation,
    }[event.type];
    if (!decide) return;
    try {
      await transitions.apply(facts.reservationId, (current) => decide(current, now), event.id);
    } catch (error) {
      // Not worth redelivering: no retry will make an unknown reservation appear.
      if (!(error instanceof NotFound)) throw error;
      log.warn({ eventId: event.id, reservationId: facts.reservationId }, 'payment event for an unknown reservation');
    }
  };
}
