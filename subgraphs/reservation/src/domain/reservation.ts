import type { Money, ReservationStatus, RoomStatus } from '@roombook/contracts';
import { InvalidInput, InvalidState, RoomUnavailable, daysBetween, type Versioned } from '@roombook/kernel/domain';

export interface StatusChange {
  readonly status: ReservationStatus;
  readonly at: Date;
  readonly reason: string | null;
}

export interface Reservation extends Versioned {
  readonly roomId: string;
  readonly guestId: string;
  /** The room's host when booked; with the guest and ADMIN, who may see it. */
  readonly hostId: string;
  readonly checkIn: string;
  readonly checkOut: string;
  readonly nights: number;
  readonly guests: number;
  readonly totalPrice: Money;
  readonly status: ReservationStatus;
  readonly statusReason: string | null;
  readonly history: readonly StatusChange[];
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** The states whose nights are free again. */
export function releasesNights(status: ReservationStatus): boolean {
  return status === 'REJECTED' || status === 'CANCELLED';
}

function moveTo(reservation: Reservation, status: ReservationStatus, reason: string | null, now: Date): Reservation {
  return {
    ...reservation,
    status,
    statusReason: reason,
    history: [...reservation.history, { status, at: now, reason }],
    updatedAt: now,
    version: reservation.version + 1,
  };
}

/*
 * Each transition returns the new reservation, or null when the event or command changes nothing
 * (a repeat, or news that arrives after the saga moved on): redelivery is harmless by design.
 */

export function confirm(reservation: Reservation, now: Date): Reservation | null {
  return reservation.status === 'PENDING' ? moveTo(reservation, 'CONFIRMED', null, now) : null;
}

/** Payment declined: a pending booking is rejected; one being cancelled had nothing charged, so it is cancelled. */
export function paymentDeclined(reservation: Reservation, reason: string, now: Date): Reservation | null {
  if (reservation.status === 'PENDING') return moveTo(reservation, 'REJECTED', `payment declined: ${reason}`, now);
  if (reservation.status === 'CANCELLATION_REQUESTED') {
    return moveTo(reservation, 'CANCELLED', reservation.statusReason, now);
  }
  return null;
}

export const MAX_REASON_LENGTH = 500;

/** The reason a client gives for cancelling: kept in the history and sent in events, so bounded. */
export function parseCancellationReason(reason: string | null): string | null {
  if (reason !== null && reason.length > MAX_REASON_LENGTH) {
    throw new InvalidInput('reason', `must be at most ${MAX_REASON_LENGTH} characters`);
  }
  return reason;
}

export function requestCancellation(reservation: Reservation, reason: string | null, now: Date): Reservation | null {
  switch (reservation.status) {
    case 'PENDING':
    case 'CONFIRMED':
      return moveTo(reservation, 'CANCELLATION_REQUESTED', reason, now);
    case 'CANCELLATION_REQUESTED':
    case 'CANCELLED':
      return null;
    case 'REJECTED':
      throw new InvalidState(`Reservation ${reservation.id} was REJECTED; there is nothing to cancel`);
  }
}

/** The refund went through (or nothing had been charged). */
export function completeCancellation(reservation: Reservation, now: Date): Reservation | null {
  return reservation.status === 'CANCELLATION_REQUESTED'
    ? moveTo(reservation, 'CANCELLED', reservation.statusReason, now)
    : null;
}

export interface BookableRoom {
  readonly id: string;
  readonly hostId: string;
  readonly capacity: number;
  readonly pricePerNight: Money;
  readonly status: RoomStatus;
}

/** A new PENDING reservation for a stay in a room, priced at the room's current nightly price. */
export function requestReservation(
  id: string,
  guestId: string,
  stay: { readonly checkIn: string; readonly checkOut: string; readonly guests: number },
  room: BookableRoom,
  now: Date,
): Reservation {
  if (room.status === 'REMOVED')
    throw new RoomUnavailable(`Room ${room.id} has been removed and takes no reservations`);
  if (stay.guests > room.capacity) {
    throw new InvalidInput('input.guests', `must be between 1 and the room's capacity (${room.capacity})`);
  }
  const nights = daysBetween(stay.checkIn, stay.checkOut);
  return {
    id,
    roomId: room.id,
    guestId,
    hostId: room.hostId,
    checkIn: stay.checkIn,
    checkOut: stay.checkOut,
    nights,
    guests: stay.guests,
    totalPrice: { amount: nights * room.pricePerNight.amount, currency: room.pricePerNight.currency },
    status: 'PENDING',
    statusReason: null,
    history: [{ status: 'PENDING', at: now, reason: null }],
    createdAt: now,
    updatedAt: now,
    version: 1,
  };
}
