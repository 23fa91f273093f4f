import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { infrastructureConfig } from '../../scripts/infra/config';
import { startMongo } from '../../scripts/infra/mongo';
import { findFreePort } from '../../scripts/infra/ports';
import { openRunRegistry } from './processReaper';
import { rememberTestMongo } from './testMongoState';

/**
 * Jest globalSetup of the integration and e2e projects: one MongoDB-wire server for the whole run
 * (test files keep apart by database prefix), its data in a fresh temporary directory, never in
 * `.data/`. TEST_MONGO_URL set beforehand means "use that server" and nothing is started.
 * TEST_FERRETDB_POSTGRESQL_URL puts a FerretDB started here on that PostgreSQL database (only this
 * one: `npm start` runs the tests start keep their own). Workers are forked after this runs, so
 * they inherit TEST_MONGO_URL. It first opens the run's registry of processes (processReaper.ts).
 */
export default async function startTestMongo(): Promise<void> {
  openRunRegistry();
  if (process.env.TEST_MONGO_URL) return;
  const log = (line: string) => process.stderr.write(`[test mongo] ${line}\n`);
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'roombook-test-mongo-'));
  try {
    const config = {
      ...infrastructureConfig(),
      FERRETDB_POSTGRESQL_URL: process.env.TEST_FERRETDB_POSTGRESQL_URL || undefined,
    };
    // Preferred, not fixed: should another process take it before the server binds, others are picked.
    const port = await findFreePort();
    const server = await startMongo({
      dir: dataDir,
      port: { preferred: port },
      log,
      urlVariable: 'TEST_MONGO_URL',
      config,
    });
    rememberTestMongo({ server, dataDir });
    process.env.TEST_MONGO_URL = server.url;
  } catch (error) {
    await fs.rm(dataDir, { recursive: true, force: true });
    throw error;
  }
}
