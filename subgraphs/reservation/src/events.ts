import {
  RESERVATION_EVENTS,
  RESERVATION_EVENT_FOR_STATUS,
  type OutboxEntry,
  type ReservationFacts,
} from '@roombook/contracts';
import type { Reservation } from './domain/reservation';

/**
 * One event per status change, carrying the reservation as it now is. The reservation id is the
 * correlation id of the whole saga. ReservationRequested also carries the card token, sealed, so
 * payment can charge from the event when the synchronous call did not get through.
 */
export function reservationEvent(
  reservation: Reservation,
  options: { causationId?: string | null; sealedPaymentToken?: string } = {},
): OutboxEntry {
  return RESERVATION_EVENTS.create(RESERVATION_EVENT_FOR_STATUS[reservation.status], {
    aggregateId: reservation.id,
    aggregateVersion: reservation.version,
    correlationId: reservation.id,
    causationId: options.causationId ?? null,
    occurredAt: reservation.updatedAt,
    data: {
      ...factsOf(reservation),
      ...(options.sealedPaymentToken ? { sealedPaymentToken: options.sealedPaymentToken } : {}),
    },
  });
}

/** The reservation as other contexts know it (the data of its events, and of a lookup). */
export function factsOf(reservation: Reservation): ReservationFacts {
  return {
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
  };
}
