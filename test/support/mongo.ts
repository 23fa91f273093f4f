import { randomBytes } from 'node:crypto';
import { MongoClient } from 'mongodb';

/** The MongoDB-wire server of this test run (started by the integration/e2e globalSetup, or given as TEST_MONGO_URL). */
export function testMongoUrl(): string {
  const url = process.env.TEST_MONGO_URL;
  if (!url) {
    throw new Error(
      "TEST_MONGO_URL is not set: run this test through Jest's integration or e2e project (npm run test:int), whose globalSetup starts the server.",
    );
  }
  return url;
}

/**
 * A database prefix no other test file uses, for MONGO_DB_PREFIX (services name their databases
 * `<prefix>_<service>`). Fixed length, so one prefix never starts another.
 */
export function uniqueDbPrefix(): string {
  return `t_${randomBytes(6).toString('hex')}`;
}

/** Drops every database whose name starts with `prefix`; returns their names. For afterAll. */
export async function dropDatabases(prefix: string): Promise<string[]> {
  const client = new MongoClient(testMongoUrl());
  try {
    const { databases } = await client.db('admin').admin().listDatabases({ nameOnly: true });
    const names = databases.map((database) => database.name).filter((name) => name.startsWith(prefix));
    for (const name of names) await client.db(name).dropDatabase();
    return names;
  } finally {
    await client.close();
  }
}
