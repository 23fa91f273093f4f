import {
  DateTimeScalar,
  decodeCursor,
  pageSize,
  perRequest,
  toConnection,
  type RequestContext,
} from '@roombook/kernel';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';
import DataLoader from 'dataloader';
import { assertMaySeeRow, assertMayUseDashboard, assertPlatformOperator, hostScope, maySeeRow } from './domain/access';
import type { RoomStatus } from '@roombook/contracts';
import type { RoomDashboardView } from './domain/roomDashboard';
import type { DashboardProjection } from './projecting/projection';
import type { ProjectionVersionRegistry } from './projectionVersions';
import type { RowStore } from './rowStore';

interface DashboardArgs {
  filter?: { city?: string | null; hostId?: string | null; status?: RoomStatus | null } | null;
  first?: number | null;
  after?: string | null;
}

const ACTIVE_ROWS = Symbol('activeRows');
const ROWS_BY_ROOM = Symbol('rowsByRoom');

export function dashboardResolvers(
  projection: DashboardProjection,
  versions: ProjectionVersionRegistry,
): GraphQLResolverMap<RequestContext> {
  /**
   * The rows of the version queries read, as known within VERSIONS_CACHE_MS, once per request: a
   * read of a row is one command, not two. Exact across a switch: live events keep updating the
   * version queries read before it for as long as such versions may still be acted on (see
   * rebuildDashboard), and announce a change only once every version has it.
   */
  const rows = (context: RequestContext): Promise<RowStore> =>
    perRequest(context, ACTIVE_ROWS, async () => projection.rowsOf((await versions.recent()).active));
  /** The rows of a page of rooms (Room.dashboard, or entity references): one query. */
  const rowOf = (context: RequestContext, roomId: string) =>
    perRequest(
      context,
      ROWS_BY_ROOM,
      () =>
        new DataLoader<string, RoomDashboardView | null>(async (roomIds) => {
          const found = await (await rows(context)).getMany(roomIds);
          return roomIds.map((id) => found.get(id) ?? null);
        }),
    ).load(roomId);

  return {
    DateTime: DateTimeScalar,
    Query: {
      dashboardProjection: async (_: unknown, __: unknown, context: RequestContext) => {
        assertPlatformOperator(context.identity);
        const { active, building } = await versions.current();
        return { activeVersion: active, buildingVersion: building };
      },
      roomDashboard: async (_: unknown, { roomId }: { roomId: string }, context: RequestContext) => {
        assertMayUseDashboard(context.identity);
        const row = await (await rows(context)).get(roomId);
        if (row) assertMaySeeRow(context.identity, row);
        return row;
      },
      dashboard: async (_: unknown, { filter, first, after }: DashboardArgs, context: RequestContext) => {
        const hostId = hostScope(context.identity, filter?.hostId);
        const size = pageSize(first);
        const { rows: page, totalCount } = await (
          await rows(context)
        ).list({ ...filter, hostId }, size + 1, after ? decodeCursor(after) : null);
        return toConnection(page, size, totalCount, (row) => row.roomId);
      },
    },
    RoomDashboard: {
      __resolveReference: async ({ roomId }: { roomId: string }, context: RequestContext) => {
        const row = await rowOf(context, roomId);
        return row && maySeeRow(context.identity, row) ? row : null;
      },
      room: (row: RoomDashboardView) => ({ __typename: 'Room', id: row.roomId }),
    },
    Room: {
      __resolveReference: ({ id }: { id: string }) => ({ id }),
      dashboard: async ({ id }: { id: string }, _: unknown, context: RequestContext) => {
        if (context.identity.kind !== 'user') return null;
        const row = await rowOf(context, id);
        return row && maySeeRow(context.identity, row) ? row : null;
      },
    },
  };
}
