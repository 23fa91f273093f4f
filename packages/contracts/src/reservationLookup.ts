import { z } from 'zod';
import { reservationFactsSchema } from './reservations';

/**
 * POST /internal/reservations/lookup on the reservation service: the facts a replica fed by
 * reservation events would hold, for a reservation the replica does not know yet (or knows in an
 * older state). `version` is the aggregateVersion its latest event carries.
 */
export const RESERVATION_LOOKUP = {
  service: 'reservation',
  path: '/internal/reservations/lookup',
  request: z.object({ reservationId: z.string().trim().min(1).max(200) }),
  response: z.object({
    reservation: reservationFactsSchema.extend({ version: z.number().int().positive() }).nullable(),
  }),
} as const;
export type ReservationSnapshot = NonNullable<z.output<typeof RESERVATION_LOOKUP.response>['reservation']>;
