import fs from 'node:fs/promises';
import { closeRunRegistry } from './processReaper';
import { takeTestMongo } from './testMongoState';

/**
 * Jest globalTeardown: stops the server startTestMongo started, if it started one, and deletes its
 * data; then stops whatever else the run started and a test left running, naming it.
 */
export default async function stopTestMongo(): Promise<void> {
  const started = takeTestMongo();
  if (started !== undefined) {
    await started.server.stop();
    await fs.rm(started.dataDir, { recursive: true, force: true });
    delete process.env.TEST_MONGO_URL;
  }
  const leftovers = await closeRunRegistry();
  for (const { name, pid } of leftovers) {
    process.stderr.write(`[teardown] stopped ${name} (pid ${pid}): a test left it running\n`);
  }
}
