/**
 * npm run dashboard:rebuild: replays ROOMS, RESERVATIONS, PAYMENTS and REVIEWS from their first
 * event into a new version of the dashboard read model, beside the live one, while live updates
 * go on; then switches queries to it. Safe to run while the system serves traffic.
 *
 * It reads the dashboard's configuration (MONGO_URL, NATS_URL, MONGO_DB_PREFIX). Without them it
 * uses the servers `npm start` runs on its usual ports.
 */
import { connectBroker, connectDatabase, createLogger, databaseName, loadConfig } from '@roombook/kernel';
import { configSchema } from '../subgraphs/dashboard/src/config';
import { DashboardProjection } from '../subgraphs/dashboard/src/projecting/projection';
import { ProjectionVersionRegistry } from '../subgraphs/dashboard/src/projectionVersions';
import { rebuildDashboard } from '../subgraphs/dashboard/src/rebuilding/rebuildDashboard';
import { PREFERRED_PORTS } from './infra';

async function main(): Promise<void> {
  const config = loadConfig(configSchema, {
    PORT: '0',
    MONGO_URL: `mongodb://127.0.0.1:${PREFERRED_PORTS.mongo}/`,
    NATS_URL: `nats://127.0.0.1:${PREFERRED_PORTS.nats}`,
    ...process.env,
  });
  const log = createLogger('dashboard-rebuild', config.LOG_LEVEL);
  const database = await connectDatabase(config.MONGO_URL, databaseName(config, 'dashboard'), config.MONGO_TIMEOUT_MS);
  const broker = await connectBroker(config.NATS_URL, 'dashboard-rebuild', log, {
    streamReplicas: config.NATS_STREAM_REPLICAS,
  });
  try {
    const versions = new ProjectionVersionRegistry(database);
    const summary = await rebuildDashboard(new DashboardProjection(database, versions, broker), versions, broker, log);
    const events = Object.entries(summary.replayed)
      .map(([stream, count]) => `${count} from ${stream}`)
      .join(', ');
    console.log(
      `Rebuilt the dashboard read model as version ${summary.to} (was ${summary.from}) in ${summary.seconds.toFixed(1)} s: ${events}.`,
    );
  } finally {
    await broker.close();
    await database.close();
  }
}

main().catch((error: unknown) => {
  console.error('dashboard rebuild failed:', error);
  process.exit(1);
});
