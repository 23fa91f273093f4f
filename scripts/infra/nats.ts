import fs from 'node:fs';
import path from 'node:path';
import { MissingServerError, ServerStartError } from './errors';
import { findExecutable } from './executables';
import { findGo, runGo } from './goToolchain';
import { forgetServerPid, recordServerPid, stopLeftoverServer } from './leftoverServer';
import { LOCAL_BIN_DIR } from './locations';
import type { Log } from './log';
import { startManagedProcess, type ManagedProcess } from './managedProcess';
import { choosePort, type PortRequest } from './ports';
import { answers200, pollUntilReady } from './readiness';

export const NATS_SERVER_VERSION = 'v2.10.29';

export interface NatsServerOptions {
  /** The JetStream store and the log; kept between runs and across stop/start. */
  readonly dir: string;
  readonly port: PortRequest;
  /** HTTP monitoring port; readiness is read from its /healthz. */
  readonly monitorPort: PortRequest;
  readonly log: Log;
  /** The variable that would have pointed at an existing server, named when none can be had. */
  readonly urlVariable?: string;
  readonly detached?: boolean;
  readonly startTimeoutMs?: number;
}

export interface NatsServer {
  readonly url: string;
  readonly port: number;
  readonly monitorPort: number;
  /** Stops the server; port and store are kept, so start() brings back the same server with its streams. */
  stop(): Promise<void>;
  /** Starts it again after stop(); does nothing while it runs. */
  start(): Promise<void>;
  isRunning(): boolean;
}

/** Starts nats-server with JetStream on 127.0.0.1, installing it with Go when it is nowhere to be found. */
export async function startNats(options: NatsServerOptions): Promise<NatsServer> {
  const binary = await findOrInstallNatsServer(options);
  fs.mkdirSync(options.dir, { recursive: true });
  await stopLeftoverServer(options.dir, options.log);
  // Chosen once, after the leftover is gone (it may hold the preferred ports), and kept across stop/start.
  const ports = { client: await choosePort(options.port), monitor: await choosePort(options.monitorPort) };

  let current: ManagedProcess | undefined;
  const server: NatsServer = {
    url: `nats://127.0.0.1:${ports.client}`,
    port: ports.client,
    monitorPort: ports.monitor,
    isRunning: () => current?.isRunning() ?? false,
    async start() {
      if (server.isRunning()) return;
      current = await startNatsProcess(binary, ports, options);
    },
    async stop() {
      await current?.stop();
      current = undefined;
      forgetServerPid(options.dir);
    },
  };
  await server.start();
  return server;
}

async function startNatsProcess(
  binary: string,
  ports: { client: number; monitor: number },
  options: NatsServerOptions,
): Promise<ManagedProcess> {
  const serverProcess = await startManagedProcess({
    name: 'nats-server',
    command: binary,
    args: ['-js', '-sd', options.dir, '-a', '127.0.0.1', '-p', String(ports.client), '-m', String(ports.monitor)],
    output: { logFile: path.join(options.dir, 'server.log') },
    detached: options.detached,
  });
  recordServerPid(options.dir, serverProcess.pid);

  const timeoutMs = options.startTimeoutMs ?? 20_000;
  // Only JetStream's readiness: the full check also waits for stream catch-up, which is about clusters.
  const healthz = `http://127.0.0.1:${ports.monitor}/healthz?js-enabled-only=true`;
  const outcome = await pollUntilReady(() => answers200(healthz), { timeoutMs, exited: serverProcess.exited });
  if (outcome === 'ready') return serverProcess;
  await serverProcess.stop();
  const why = outcome === 'exited' ? 'exited before it was ready' : `was not ready within ${timeoutMs} ms`;
  throw new ServerStartError(
    `nats-server on port ${ports.client} ${why}. Last lines of its log:\n${serverProcess.outputTail()}`,
  );
}

async function findOrInstallNatsServer(options: NatsServerOptions): Promise<string> {
  const localBinary = path.join(LOCAL_BIN_DIR, 'nats-server');
  const found = findExecutable('nats-server', ['/usr/sbin/nats-server', localBinary]);
  if (found !== undefined) return found;
  const go = findGo();
  if (go !== undefined) {
    options.log(
      `nats-server is not installed: installing ${NATS_SERVER_VERSION} with Go into ${LOCAL_BIN_DIR} (first time only)...`,
    );
    fs.mkdirSync(LOCAL_BIN_DIR, { recursive: true });
    await runGo({
      go,
      args: ['install', `github.com/nats-io/nats-server/v2@${NATS_SERVER_VERSION}`],
      cwd: LOCAL_BIN_DIR,
      extraEnv: { GOBIN: LOCAL_BIN_DIR },
    });
    return localBinary;
  }
  throw new MissingServerError(
    'No NATS server can be started here: there is no `nats-server` and no Go toolchain to install it with. ' +
      'Do one of: install nats-server so that it is on PATH (https://docs.nats.io/running-a-nats-service/introduction/installation); ' +
      'install Go (https://go.dev/dl/), and nats-server is installed into .data/bin on the next run; ' +
      `or set ${options.urlVariable ?? 'NATS_URL'} to a running server with JetStream, e.g. nats://127.0.0.1:4222.`,
  );
}
