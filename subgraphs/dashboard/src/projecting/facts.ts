import type { PaymentEvent, ReservationEvent, ReviewEvent, RoomEvent } from '@roombook/contracts';
import type { DashboardFact } from '../domain/roomDashboard';

export type SourceEvent = RoomEvent | ReservationEvent | PaymentEvent | ReviewEvent;

/** What a dashboard row takes from an event of any of the four contexts it follows. */
export function factOf(event: SourceEvent): DashboardFact {
  const moment = { at: event.occurredAt, version: event.aggregateVersion, eventId: event.id };
  switch (event.type) {
    case 'RoomRegistered':
    case 'RoomUpdated':
    case 'RoomRemoved': {
      const { id, hostId, name, city, status, pricePerNight } = event.data.room;
      return { ...moment, kind: 'room', roomId: id, listing: { hostId, name, city, status, pricePerNight } };
    }
    case 'ReservationRequested':
    case 'ReservationConfirmed':
    case 'ReservationRejected':
    case 'ReservationCancellationRequested':
    case 'ReservationCancelled':
      return {
        ...moment,
        kind: 'reservation',
        roomId: event.data.roomId,
        reservationId: event.data.reservationId,
        status: event.data.status,
      };
    case 'PaymentApproved':
    case 'PaymentDeclined':
    case 'PaymentRefundRequested':
    case 'PaymentRefunded':
      return {
        ...moment,
        kind: 'payment',
        roomId: event.data.roomId,
        paymentId: event.data.paymentId,
        status: event.data.status,
        amount: event.data.amount,
      };
    case 'ReviewWritten':
    case 'ReviewDeleted':
      return {
        ...moment,
        kind: 'review',
        roomId: event.data.roomId,
        reviewId: event.data.reviewId,
        rating: event.data.rating,
        published: event.data.status === 'PUBLISHED',
      };
  }
}
