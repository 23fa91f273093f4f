import { z } from 'zod';
import { EventFamily, type EventOf } from './eventFamily';
import { calendarDate, moneySchema } from './money';

export const RESERVATION_STATUSES = [
  'PENDING',
  'CONFIRMED',
  'REJECTED',
  'CANCELLATION_REQUESTED',
  'CANCELLED',
] as const;
export type ReservationStatus = (typeof RESERVATION_STATUSES)[number];

/** The reservation as it stands after the change an event reports (every reservation event carries it). */
export const reservationFactsSchema = z.object({
  reservationId: z.string().min(1),
  roomId: z.string().min(1),
  guestId: z.string().min(1),
  hostId: z.string().min(1),
  checkIn: calendarDate,
  checkOut: calendarDate,
  nights: z.number().int().positive(),
  guests: z.number().int().positive(),
  totalPrice: moneySchema,
  status: z.enum(RESERVATION_STATUSES),
  reason: z.string().nullable(),
});
export type ReservationFacts = z.output<typeof reservationFactsSchema>;

const reservationRequested = reservationFactsSchema.extend({
  /** The card token, sealed with the kernel's Sealer (purpose CARD_TOKEN_SEAL_PURPOSE), so payment can charge from the event. */
  sealedPaymentToken: z.string().min(1).optional(),
});

/** The purpose the card token is sealed under in ReservationRequested; reservation seals, payment opens. */
export const CARD_TOKEN_SEAL_PURPOSE = 'payment-token';

/** The reservation context's published events (stream RESERVATIONS): one per status change. */
export const RESERVATION_EVENTS = new EventFamily('RESERVATIONS', {
  ReservationRequested: { subject: 'reservations.requested', data: reservationRequested },
  ReservationConfirmed: { subject: 'reservations.confirmed', data: reservationFactsSchema },
  ReservationRejected: { subject: 'reservations.rejected', data: reservationFactsSchema },
  ReservationCancellationRequested: { subject: 'reservations.cancellation-requested', data: reservationFactsSchema },
  ReservationCancelled: { subject: 'reservations.cancelled', data: reservationFactsSchema },
});
export type ReservationEvent = EventOf<typeof RESERVATION_EVENTS>;
export type ReservationEventType = ReservationEvent['type'];

/** Which event reports a move to each status. */
export const RESERVATION_EVENT_FOR_STATUS: Record<ReservationStatus, ReservationEventType> = {
  PENDING: 'ReservationRequested',
  CONFIRMED: 'ReservationConfirmed',
  REJECTED: 'ReservationRejected',
  CANCELLATION_REQUESTED: 'ReservationCancellationRequested',
  CANCELLED: 'ReservationCancelled',
};
