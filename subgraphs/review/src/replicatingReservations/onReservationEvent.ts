import { RESERVATION_EVENTS } from '@roombook/contracts';
import { consumerOf } from '@roombook/kernel';
import type { StayDirectory } from '../stayDirectory';

/** Keeps the replica of who stayed where current; it only moves forward, so a repeat or a late event changes nothing. */
export function reservationEventConsumer(stays: StayDirectory) {
  return consumerOf({
    durable: 'review-reservations',
    events: RESERVATION_EVENTS,
    async handle({ data, aggregateVersion }) {
      const { reservationId, guestId, roomId, status } = data;
      await stays.apply({ reservationId, guestId, roomId, status, version: aggregateVersion });
    },
  });
}
