import { createEvent, toOutboxEntry, type OutboxEntry } from '@roombook/kernel';
import type { Reservation } from './domain/reservation';

/** The reservation context's published contract. */
export const RESERVATION_EVENT_SUBJECTS = {
  ReservationRequested: 'reservations.requested',
  ReservationConfirmed: 'reservations.confirmed',
  ReservationRejected: 'reservations.rejected',
  ReservationCancellationRequested: 'reservations.cancellation-requested',
  ReservationCancelled: 'reservations.cancelled',
} as const;

export type ReservationEventType = keyof typeof RESERVATION_EVENT_SUBJECTS;

const EVENT_FOR_STATUS: Record<Reservation['status'], ReservationEventType> = {
  PENDING: 'ReservationRequested',
  CONFIRMED: 'ReservationConfirmed',
  REJECTED: 'ReservationRejected',
  CANCELLATION_REQUESTED: 'ReservationCancellationRequested',
  CANCELLED: 'ReservationCancelled',
};

/**
 * One event per status change, carrying the reservation as it now is. The reservation id is the
 * correlation id of the whole saga. ReservationRequested also carries the card token, sealed, so
 * payment can charge from the event when the synchronous call did not get through.
 */
export function reservationEvent(
  reservation: Reservation,
  options: { causationId?: string | null; sealedPaymentToken?: string } = {},
): OutboxEntry {
  const type = EVENT_FOR_STATUS[reservation.status];
  const event = createEvent({
    type,
    aggregateId: reservation.id,
    aggregateVersion: reservation.version,
    correlationId: reservation.id,
    causationId: options.causationId ?? null,
    occurredAt: reservation.updatedAt,
    data: {
      reservationId: reservation.id,
      roomId: reservation.roomId,
      guestId: reservation.guestId,
      hostId: reservation.hostId,
      checkIn: reservation.checkIn,
      checkOut: reservation.checkOut,
      nights: reservation.nights,
      guests: reservation.guests,
      totalPrice: reservation.totalPrice,
      status: reservation.status,
      reason: reservation.statusReason,
      ...(options.sealedPaymentToken ? { sealedPaymentToken: options.sealedPaymentToken } : {}),
    },
  });
  return toOutboxEntry(RESERVATION_EVENT_SUBJECTS[type], event);
}
