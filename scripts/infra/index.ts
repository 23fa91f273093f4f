import path from 'node:path';
import type { InfrastructureConfig } from './config';
import type { Log } from './log';
import { startMongo } from './mongo';
import { startNats } from './nats';

export { MissingServerError, ServerInstallError, ServerStartError } from './errors';
export type { Log } from './log';

/** Not the usual 27017/4222/8222, so a MongoDB or NATS already installed on this machine is left alone. */
export const PREFERRED_PORTS = { mongo: 27018, nats: 4223, natsMonitor: 8223 } as const;

export interface InfrastructureOptions {
  /** Data of the servers started here: `<dataDir>/mongo`, `<dataDir>/nats`. */
  readonly dataDir: string;
  readonly log: Log;
  /** See ProcessSpec.detached: `npm start` stops the servers itself, after the services. */
  readonly detached?: boolean;
  /** MONGO_URL: use that server, start none. */
  readonly mongoUrl?: string;
  /** NATS_URL: use that server, start none. */
  readonly natsUrl?: string;
  readonly config: InfrastructureConfig;
}

export interface Infrastructure {
  /** The servers' URLs, once both are ready. */
  readonly ready: Promise<{ readonly mongoUrl: string; readonly natsUrl: string }>;
  /**
   * Stops what was started here, also while starting (a Ctrl-C during a download or a build):
   * a server that comes up after this is stopped at once. Servers given by URL are not ours to stop.
   */
  stop(): Promise<void>;
}

type StartedServer = { stop(): Promise<void> };

/** MongoDB and NATS for the services: the configured ones, or local servers started for this run. */
export function startInfrastructure(options: InfrastructureOptions): Infrastructure {
  const started: StartedServer[] = [];
  let stopped = false;
  const keep = <Server extends StartedServer>(server: Server): Server => {
    if (stopped) void server.stop();
    else started.push(server);
    return server;
  };
  const stop = async () => {
    stopped = true;
    await Promise.all(started.splice(0).map((server) => server.stop()));
  };

  const ready = (async () => {
    try {
      const mongoUrl = configured('MONGO_URL', options.mongoUrl, options.log) ?? (await startLocalMongo(options, keep));
      const natsUrl = configured('NATS_URL', options.natsUrl, options.log) ?? (await startLocalNats(options, keep));
      return { mongoUrl, natsUrl };
    } catch (error) {
      await stop();
      throw error;
    }
  })();
  return { ready, stop };
}

async function startLocalMongo(options: InfrastructureOptions, keep: <S extends StartedServer>(s: S) => S) {
  const dir = path.join(options.dataDir, 'mongo');
  const mongo = keep(
    await startMongo({
      dir,
      port: { preferred: PREFERRED_PORTS.mongo },
      log: options.log,
      detached: options.detached,
      config: options.config,
    }),
  );
  options.log(`MongoDB (${mongo.engine}) started at ${mongo.url}, data in ${dir}`);
  return mongo.url;
}

async function startLocalNats(options: InfrastructureOptions, keep: <S extends StartedServer>(s: S) => S) {
  const dir = path.join(options.dataDir, 'nats');
  const nats = keep(
    await startNats({
      dir,
      port: { preferred: PREFERRED_PORTS.nats },
      monitorPort: { preferred: PREFERRED_PORTS.natsMonitor },
      log: options.log,
      detached: options.detached,
      config: options.config,
    }),
  );
  options.log(`NATS (JetStream) started at ${nats.url}, data in ${dir}`);
  return nats.url;
}

function configured(variable: 'MONGO_URL' | 'NATS_URL', url: string | undefined, log: Log): string | undefined {
  if (url === undefined) return undefined;
  log(`${variable} is set: using that server, starting none`);
  return url;
}
