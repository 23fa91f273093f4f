import { join } from 'node:path';
import { readSubgraphSchema, startSubgraph, type RunningService } from '@roombook/kernel';
import type { DashboardConfig } from './config';
import { dashboardConsumers, type AfterProjection } from './projecting/consumers';
import { DashboardProjection } from './projecting/projection';
import { ProjectionVersionRegistry } from './projectionVersions';
import { dashboardResolvers } from './resolvers';

export const DASHBOARD_SCHEMA_PATH = join(__dirname, '..', 'schema.graphql');

export interface DashboardServiceOptions {
  /** See AfterProjection: tests use it to fail between a row's write and its event's ack. */
  readonly afterProjection?: AfterProjection;
}

/** Composition root of the dashboard subgraph (used by main.ts, the rebuild script and in-process tests). */
export function startDashboardService(
  config: DashboardConfig,
  options: DashboardServiceOptions = {},
): Promise<RunningService> {
  return startSubgraph('dashboard', config, async ({ database, broker }) => {
    const versions = new ProjectionVersionRegistry(database);
    const projection = new DashboardProjection(database, versions, broker);
    const { active, building } = await versions.current();
    await projection.rowsOf(active).ready();
    if (building !== null) await projection.rowsOf(building).ready();
    return {
      typeDefs: readSubgraphSchema(DASHBOARD_SCHEMA_PATH),
      resolvers: dashboardResolvers(projection, versions),
      consumers: dashboardConsumers(projection, options.afterProjection),
    };
  });
}
