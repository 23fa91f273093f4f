import fs from 'node:fs/promises';
import { takeTestMongo } from './testMongoState';

/** Jest globalTeardown: stops the server startTestMongo started, if it started one, and deletes its data. */
export default async function stopTestMongo(): Promise<void> {
  const started = takeTestMongo();
  if (started === undefined) return;
  await started.server.stop();
  await fs.rm(started.dataDir, { recursive: true, force: true });
  delete process.env.TEST_MONGO_URL;
}
