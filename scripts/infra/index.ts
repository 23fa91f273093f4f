import path from 'node:path';
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
  /** Defaults to process.env; MONGO_URL and NATS_URL there mean "use that server, start none". */
  readonly env?: NodeJS.ProcessEnv;
}

export interface Infrastructure {
  readonly mongoUrl: string;
  readonly natsUrl: string;
  /** Stops what was started here; servers given by URL are not ours to stop. */
  stop(): Promise<void>;
}

type StartedServer = { stop(): Promise<void> };

/** MongoDB and NATS for the services: the configured ones, or local servers started for this run. */
export async function ensureInfrastructure(options: InfrastructureOptions): Promise<Infrastructure> {
  const started: StartedServer[] = [];
  const stop = async () => {
    await Promise.all(started.map((server) => server.stop()));
  };

  try {
    const mongoUrl = configuredUrl('MONGO_URL', options) ?? (await startLocalMongo(options, started));
    const natsUrl = configuredUrl('NATS_URL', options) ?? (await startLocalNats(options, started));
    return { mongoUrl, natsUrl, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function startLocalMongo(options: InfrastructureOptions, started: StartedServer[]): Promise<string> {
  const mongo = await startMongo({
    dir: path.join(options.dataDir, 'mongo'),
    port: { preferred: PREFERRED_PORTS.mongo },
    log: options.log,
    detached: options.detached,
  });
  started.push(mongo);
  options.log(`MongoDB (${mongo.engine}) started at ${mongo.url}, data in ${path.join(options.dataDir, 'mongo')}`);
  return mongo.url;
}

async function startLocalNats(options: InfrastructureOptions, started: StartedServer[]): Promise<string> {
  const nats = await startNats({
    dir: path.join(options.dataDir, 'nats'),
    port: { preferred: PREFERRED_PORTS.nats },
    monitorPort: { preferred: PREFERRED_PORTS.natsMonitor },
    log: options.log,
    detached: options.detached,
  });
  started.push(nats);
  options.log(`NATS (JetStream) started at ${nats.url}, data in ${path.join(options.dataDir, 'nats')}`);
  return nats.url;
}

/** The URL in `variable`, if set. Empty (`MONGO_URL= npm start`) counts as unset. */
function configuredUrl(variable: 'MONGO_URL' | 'NATS_URL', options: InfrastructureOptions): string | undefined {
  const url = (options.env ?? process.env)[variable]?.trim();
  if (!url) return undefined;
  options.log(`${variable} is set: using that server, starting none`);
  return url;
}
