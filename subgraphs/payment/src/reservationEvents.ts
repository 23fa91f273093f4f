import type { EventEnvelope } from '@roombook/kernel';
import { z } from 'zod';
import { authorizationRequestSchema, describeIssue, moneySchema } from './domain/authorizationRules';
import type { AuthorizationRequest } from './domain/payment';

/**
 * What this context reads of the reservation context's events (its own parse, not the
 * publisher's types: contexts meet through the event contract only).
 */
export const RESERVATION_EVENTS = {
  stream: 'RESERVATIONS',
  subjects: 'reservations.>',
  requested: 'ReservationRequested',
  cancellationRequested: 'ReservationCancellationRequested',
} as const;

/** The purpose the reservation context seals the card token under (kernel Sealer); both sides must agree. */
export const CARD_TOKEN_SEAL_PURPOSE = 'payment-token';

const reservationRequested = authorizationRequestSchema.omit({ amount: true }).extend({
  totalPrice: moneySchema,
  sealedPaymentToken: z.string().min(1).nullish(),
});

const cancellationRequested = z.object({ reservationId: z.string().min(1) });

export type ReservationInstruction =
  | { readonly kind: 'authorize'; readonly request: AuthorizationRequest; readonly sealedToken: string | null }
  | { readonly kind: 'refund'; readonly reservationId: string }
  | { readonly kind: 'ignore' };

export class MalformedReservationEvent extends Error {
  constructor(event: EventEnvelope, detail: string) {
    super(`${event.type} ${event.id} is not what this context expects: ${detail}`);
    this.name = 'MalformedReservationEvent';
  }
}

/** What a reservation event asks of payment: charge for a new reservation, refund a cancelled one, or nothing. */
export function instructionFor(event: EventEnvelope): ReservationInstruction {
  switch (event.type) {
    case RESERVATION_EVENTS.requested: {
      const { totalPrice, sealedPaymentToken, ...parties } = parse(reservationRequested, event);
      return {
        kind: 'authorize',
        request: { ...parties, amount: totalPrice },
        sealedToken: sealedPaymentToken ?? null,
      };
    }
    case RESERVATION_EVENTS.cancellationRequested:
      return { kind: 'refund', reservationId: parse(cancellationRequested, event).reservationId };
    default:
      // Confirmed, rejected, cancelled...: payment's part in those is already done.
      return { kind: 'ignore' };
  }
}

function parse<T>(schema: z.ZodType<T>, event: EventEnvelope): T {
  const result = schema.safeParse(event.data);
  if (!result.success) throw new MalformedReservationEvent(event, describeIssue(result.error));
  return result.data;
}
