import mongoose, { type Connection } from 'mongoose';

/** Each service has its own database; no service ever opens another's. */
export async function connectDatabase(url: string, databaseName: string): Promise<Connection> {
  const connection = mongoose.createConnection(url, {
    dbName: databaseName,
    serverSelectionTimeoutMS: 10_000,
    // FerretDB and a standalone mongod have no sessions-based retryable writes; keep behaviour identical on both.
    retryWrites: false,
  });
  await connection.asPromise();
  return connection;
}

export function isDatabaseConnected(connection: Connection): boolean {
  return connection.readyState === mongoose.ConnectionStates.connected;
}

export function isDuplicateKeyError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 11000;
}
