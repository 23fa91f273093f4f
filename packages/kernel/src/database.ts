import mongoose, { type ConnectOptions, type Connection } from 'mongoose';

// Mongoose keeps a formatted stack of every query it runs, only to say where a query executed
// twice was first run: formatting it (through source maps under tsx) was measured at ~1.5 % of
// the reservation service's CPU in a booking burst. No code here executes a query twice.
mongoose.set('skipOriginalStackTraces', true);

/**
 * Each service has its own database; no service ever opens another's. `minPoolSize` connections
 * are kept open when idle, opened by the driver in the background from the start (one each 100 ms).
 */
export async function connectDatabase(
  url: string,
  databaseName: string,
  timeoutMs = 10_000,
  minPoolSize = 0,
): Promise<Connection> {
  // mongoose reads bufferTimeoutMS from a connection's options, though its ConnectOptions type omits it.
  const options: ConnectOptions & { bufferTimeoutMS: number } = {
    dbName: databaseName,
    // Both bound how long an operation waits while the server cannot be reached: the driver's
    // choice of a server, and mongoose's queue while it is disconnected.
    serverSelectionTimeoutMS: timeoutMs,
    bufferTimeoutMS: timeoutMs,
    // FerretDB and a standalone mongod have no sessions-based retryable writes; keep behaviour identical on both.
    retryWrites: false,
    minPoolSize,
  };
  const connection = mongoose.createConnection(url, options);
  await connection.asPromise();
  return connection;
}

export function isDatabaseConnected(connection: Connection): boolean {
  return connection.readyState === mongoose.ConnectionStates.connected;
}

export function isDuplicateKeyError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 11000;
}

/**
 * The server could not be reached (none to select, the network dropped, or the operation waited
 * in mongoose's queue while disconnected): a dependency is down, not a bug.
 */
export function isDatabaseUnreachable(error: unknown): boolean {
  for (let cause = error; cause instanceof Error; cause = cause.cause) {
    if (
      cause instanceof mongoose.mongo.MongoServerSelectionError ||
      cause instanceof mongoose.mongo.MongoNetworkError ||
      cause instanceof mongoose.mongo.MongoTopologyClosedError ||
      cause instanceof mongoose.mongo.MongoNotConnectedError ||
      cause instanceof mongoose.Error.MongooseServerSelectionError
    ) {
      return true;
    }
    // Mongoose gives its queue timeout no class of its own.
    if (cause instanceof mongoose.Error && / buffering timed out after /.test(cause.message)) return true;
  }
  return false;
}
