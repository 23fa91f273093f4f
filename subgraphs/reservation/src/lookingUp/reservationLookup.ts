import { RESERVATION_LOOKUP } from '@roombook/contracts';
import { internalHandler } from '@roombook/kernel';
import { factsOf } from '../events';
import type { ReservationStore } from '../reservationStore';

/**
 * POST /internal/reservations/lookup: a reservation as its latest event tells it, for a service
 * whose replica has not caught up yet (review asks when a guest reviews right after confirming).
 */
export function reservationLookupHandler(store: ReservationStore) {
  return internalHandler(RESERVATION_LOOKUP, async ({ reservationId }) => {
    const reservation = await store.findById(reservationId);
    return { reservation: reservation && { ...factsOf(reservation), version: reservation.version } };
  });
}
