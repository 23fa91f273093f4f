import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import type { Connection } from 'mongoose';
import { connectDatabase } from '../src/database';
import { dropDatabases, testMongoUrl, uniqueDbPrefix } from '../../../test/support/mongo';
import { eventually } from '../../../test/support/streams';

/** This process's established TCP connections to `port` (Linux: its socket descriptors against /proc/net/tcp). */
function connectionsTo(port: number): number {
  const ownSockets = new Set(
    readdirSync('/proc/self/fd')
      .map((fd) => {
        try {
          return /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`))?.[1];
        } catch {
          return undefined; // closed meanwhile
        }
      })
      .filter((inode): inode is string => inode !== undefined),
  );
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  return ['/proc/net/tcp', '/proc/net/tcp6']
    .flatMap((table) => readFileSync(table, 'utf8').split('\n').slice(1))
    .map((line) => line.trim().split(/\s+/))
    .filter(
      ([, , remote, state, , , , , , inode]) =>
        remote?.endsWith(`:${hexPort}`) && state === '01' && ownSockets.has(inode),
    ).length;
}

describe('the database connection', () => {
  const prefix = uniqueDbPrefix();
  const port = Number(new URL(testMongoUrl()).port);
  let database: Connection | undefined;

  afterEach(async () => {
    await database?.close();
    database = undefined;
  });
  afterAll(async () => {
    await dropDatabases(prefix);
  });

  it('opens its minimum pool before any operation asks for a connection', async () => {
    const before = connectionsTo(port);
    database = await connectDatabase(testMongoUrl(), `${prefix}_pool`, 10_000, 5);
    // The pool's 5, beside the driver's monitoring connection; nothing has been sent yet.
    await eventually(
      async () => connectionsTo(port) - before,
      (opened) => opened >= 5,
    );
  });
});
