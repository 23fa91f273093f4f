import { DateTimeScalar, decodeCursor, pageSize, toConnection, type RequestContext } from '@roombook/kernel';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';
import type { Room, RoomStatus } from './domain/room';
import type { RoomCommands } from './roomCommands';
import type { RoomStore } from './roomStore';

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

export function roomResolvers(store: RoomStore, commands: RoomCommands): GraphQLResolverMap<RequestContext> {
  return {
    DateTime: DateTimeScalar,
    Query: {
      room: (_: unknown, { id }: { id: string }) => store.findById(id),
      rooms: async (_: unknown, { filter, first, after }: RoomsArgs) => {
        const size = pageSize(first);
        const afterId = after ? decodeCursor(after) : null;
        const { rooms, totalCount } = await store.list(
          { ...filter, status: filter?.status ?? 'ACTIVE' },
          size + 1,
          afterId,
        );
        return toConnection(rooms, size, totalCount, (room) => room.id);
      },
    },
    Mutation: {
      registerRoom: (_: unknown, { input }: { input: unknown }, { identity }: RequestContext) =>
        commands.register(identity, input),
      updateRoom: (_: unknown, { id, input }: { id: string; input: unknown }, { identity }: RequestContext) =>
        commands.update(identity, id, input),
      removeRoom: (_: unknown, { id }: { id: string }, { identity }: RequestContext) => commands.remove(identity, id),
    },
    Room: {
      __resolveReference: (reference: Pick<Room, 'id'>) => store.findById(reference.id),
    },
  };
}
