import {
  DateScalar,
  DateTimeScalar,
  decodeNewestFirstCursor,
  newestFirstKey,
  pageSize,
  requireUser,
  toConnection,
  type Identity,
  type RequestContext,
} from '@roombook/kernel';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';
import { cancelReservation } from './cancelling/cancelReservation';
import type { ReservationDependencies } from './dependencies';
import { assertMaySee } from './domain/access';
import type { Reservation } from './domain/reservation';
import { assertStayDates, type ReserveRoomInput } from './domain/stay';
import { reserveRoom } from './reserving/reserveRoom';

export function reservationResolvers(deps: ReservationDependencies): GraphQLResolverMap<RequestContext> {
  const visible = async (identity: Identity, id: string): Promise<Reservation | null> => {
    if (identity.kind !== 'service') requireUser(identity);
    const reservation = await deps.store.findById(id);
    if (reservation) assertMaySee(identity, reservation);
    return reservation;
  };

  return {
    Date: DateScalar,
    DateTime: DateTimeScalar,
    Query: {
      reservation: (_: unknown, { id }: { id: string }, { identity }: RequestContext) => visible(identity, id),
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
      __resolveReference: async ({ id }: { id: string }, { identity }: RequestContext) => visible(identity, id),
      room: (reservation: Reservation) => ({ __typename: 'Room', id: reservation.roomId }),
    },
    Room: {
      __resolveReference: ({ id }: { id: string }) => ({ id }),
      isAvailable: async ({ id }: { id: string }, { checkIn, checkOut }: { checkIn: string; checkOut: string }) => {
        assertStayDates(checkIn, checkOut);
        const room = await deps.rooms.find(id);
        return room?.status === 'ACTIVE' && (await deps.ledger.isFree(id, checkIn, checkOut));
      },
    },
  };
}
