import {
  DateScalar,
  DateTimeScalar,
  decodeNewestFirstCursor,
  newestFirstKey,
  pageSize,
  perRequest,
  perRequestLoader,
  requireUser,
  toConnection,
  type RequestContext,
} from '@roombook/kernel';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';
import DataLoader from 'dataloader';
import { availabilityOf, type AvailabilityQuestion } from './checkingAvailability/availability';
import { cancelReservation } from './cancelling/cancelReservation';
import type { ReservationDependencies } from './dependencies';
import { assertMaySee } from './domain/access';
import type { Reservation } from './domain/reservation';
import { assertStayDates, type ReserveRoomInput } from './domain/stay';
import { reserveRoom } from './reserving/reserveRoom';

const AVAILABILITY = Symbol('availability');

export function reservationResolvers(deps: ReservationDependencies): GraphQLResolverMap<RequestContext> {
  const reservations = perRequestLoader((ids) => deps.store.findMany(ids));
  const visible = async (context: RequestContext, id: string): Promise<Reservation | null> => {
    if (context.identity.kind !== 'service') requireUser(context.identity);
    const reservation = await reservations(context).load(id);
    if (reservation) assertMaySee(context.identity, reservation);
    return reservation;
  };
  /** isAvailable of a page of rooms, in one go (see availabilityOf). */
  const availability = (context: RequestContext) =>
    perRequest(
      context,
      AVAILABILITY,
      () =>
        new DataLoader<AvailabilityQuestion, boolean, string>((questions) => availabilityOf(deps, questions), {
          cacheKeyFn: ({ roomId, checkIn, checkOut, roomStatus }) => `${roomId}|${checkIn}|${checkOut}|${roomStatus}`,
        }),
    );

  return {
    Date: DateScalar,
    DateTime: DateTimeScalar,
    Query: {
      reservation: (_: unknown, { id }: { id: string }, context: RequestContext) => visible(context, id),
      myReservations: async (
        _: unknown,
        { first, after }: { first?: number | null; after?: string | null },
        { identity }: RequestContext,
      ) => {
        const guest = requireUser(identity);
        const size = pageSize(first);
        const { reservations, totalCount } = await deps.store.listByGuest(
          guest.userId,
          size + 1,
          after ? decodeNewestFirstCursor(after) : null,
        );
        return toConnection(reservations, size, totalCount, newestFirstKey);
      },
    },
    Mutation: {
      reserveRoom: (_: unknown, { input }: { input: ReserveRoomInput }, { identity }: RequestContext) =>
        reserveRoom(deps, identity, input),
      cancelReservation: (
        _: unknown,
        { id, reason }: { id: string; reason?: string | null },
        { identity }: RequestContext,
      ) => cancelReservation(deps, identity, id, reason ?? null),
    },
    Reservation: {
      __resolveReference: ({ id }: { id: string }, context: RequestContext) => visible(context, id),
      room: (reservation: Reservation) => ({ __typename: 'Room', id: reservation.roomId }),
    },
    Room: {
      // The gateway sends `status` with the reference whenever isAvailable is asked (@requires).
      __resolveReference: ({ id, status }: { id: string; status?: string }) => ({ id, status }),
      isAvailable: (
        { id, status }: { id: string; status: string },
        { checkIn, checkOut }: { checkIn: string; checkOut: string },
        context: RequestContext,
      ) => {
        assertStayDates(checkIn, checkOut);
        return availability(context).load({ roomId: id, checkIn, checkOut, roomStatus: status });
      },
    },
  };
}
