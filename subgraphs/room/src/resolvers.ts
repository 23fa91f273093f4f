import {
  DateTimeScalar,
  decodeCursor,
  pageSize,
  perRequestLoader,
  toConnection,
  type RequestContext,
} from '@roombook/kernel';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';
import type { RoomDependencies } from './dependencies';
import type { RoomStatus } from '@roombook/contracts';
import type { Room } from './domain/room';
import { registerRoom } from './registering/registerRoom';
import { removeRoom } from './removing/removeRoom';
import { updateRoom } from './updating/updateRoom';

interface RoomsArgs {
  filter?: {
    city?: string | null;
    hostId?: string | null;
    minCapacity?: number | null;
    status?: RoomStatus | null;
  } | null;
  first?: number | null;
  after?: string | null;
}

export function roomResolvers(deps: RoomDependencies): GraphQLResolverMap<RequestContext> {
  const rooms = perRequestLoader((ids) => deps.rooms.findMany(ids));
  return {
    DateTime: DateTimeScalar,
    Query: {
      room: (_: unknown, { id }: { id: string }) => deps.rooms.findById(id),
      rooms: async (_: unknown, { filter, first, after }: RoomsArgs) => {
        const size = pageSize(first);
        const afterId = after ? decodeCursor(after) : null;
        const { rooms, totalCount } = await deps.rooms.list(
          { ...filter, status: filter?.status ?? 'ACTIVE' },
          size + 1,
          afterId,
        );
        return toConnection(rooms, size, totalCount, (room) => room.id);
      },
    },
    Mutation: {
      registerRoom: (_: unknown, { input }: { input: unknown }, { identity }: RequestContext) =>
        registerRoom(deps, identity, input),
      updateRoom: (_: unknown, { id, input }: { id: string; input: unknown }, { identity }: RequestContext) =>
        updateRoom(deps, identity, id, input),
      removeRoom: (_: unknown, { id }: { id: string }, { identity }: RequestContext) => removeRoom(deps, identity, id),
    },
    Room: {
      __resolveReference: (reference: Pick<Room, 'id'>, context: RequestContext) => rooms(context).load(reference.id),
    },
  };
}
