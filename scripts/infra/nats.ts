import fs from 'node:fs';
import path from 'node:path';
import { describeSearch, infrastructureConfig, searchDirs, type InfrastructureConfig } from './config';
import { DownloadFailedError, MissingServerError, ServerStartError } from './errors';
import { findExecutable, isExecutableFile } from './executables';
import { findGo, goInstall } from './goToolchain';
import { forgetServerPid, recordServerPid, stopLeftoverServer } from './leftoverServer';
import type { Log } from './log';
import { beginAttempt } from './attempts';
import { startManagedProcess, type ManagedProcess } from './managedProcess';
import { downloadNatsServer, localNatsServer, NATS_SERVER_VERSION } from './natsDownload';
import { startOnChosenPorts, type PortRequest } from './ports';
import { answers200, pollUntilReady } from './readiness';

export { NATS_SERVER_VERSION } from './natsDownload';

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
  /** Where to look for and put binaries; read from the environment when not given. */
  readonly config?: InfrastructureConfig;
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

/**
 * Starts nats-server with JetStream on 127.0.0.1, the first that can be had of: one on this machine;
 * the release binary, downloaded once into the bin dir; one installed there with Go. Says in one
 * line which, and why.
 */
export async function startNats(options: NatsServerOptions): Promise<NatsServer> {
  const binary = await chooseNatsServer(options.config ?? infrastructureConfig(), options);
  fs.mkdirSync(options.dir, { recursive: true });
  await stopLeftoverServer(options.dir, options.log);
  // Chosen once, after the leftover is gone (it may hold the preferred ports), and kept across stop/start.
  return startOnChosenPorts([options.port, options.monitorPort], async ([client, monitor]) => {
    const ports = { client, monitor };
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
  });
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

/** The nats-server binary startNats would run (fetching it if need be), and a line saying which and why. */
export async function chooseNatsServer(
  config: InfrastructureConfig,
  options: Pick<NatsServerOptions, 'log' | 'urlVariable'>,
): Promise<string> {
  const { log } = options;
  const binDir = config.ROOMBOOK_BIN_DIR;
  /** Why each better way was passed over, for the line that names the choice. */
  const passedOver: string[] = [];
  const choose = (binary: string, what: string): string => {
    log(`NATS: ${what}${passedOver.length > 0 ? ` — ${passedOver.join('; ')}` : ''}`);
    return binary;
  };

  const installed = findExecutable('nats-server', searchDirs(config));
  if (installed !== undefined) return choose(installed, `using the nats-server found at ${installed}`);
  passedOver.push(`no nats-server ${describeSearch(config)}`);

  const local = localNatsServer(binDir);
  if (isExecutableFile(local))
    return choose(local, `using nats-server ${NATS_SERVER_VERSION}, fetched earlier: ${local}`);
  try {
    const downloaded = await downloadNatsServer({
      binDir,
      mirror: config.NATS_SERVER_DOWNLOAD_MIRROR,
      idleTimeoutMs: config.ROOMBOOK_DOWNLOAD_TIMEOUT_MS,
      log,
    });
    return choose(downloaded, `using nats-server ${NATS_SERVER_VERSION}, downloaded just now: ${downloaded}`);
  } catch (error) {
    if (!(error instanceof DownloadFailedError)) throw error;
    passedOver.push(`the nats-server ${NATS_SERVER_VERSION} download from ${error.url} failed: ${error.reason}`);
  }

  const go = findGo(config);
  if (go !== undefined) {
    const attempt = beginAttempt(binDir, `nats-server-${NATS_SERVER_VERSION}-install`);
    choose(local, `installing nats-server ${NATS_SERVER_VERSION} with ${go} into ${binDir}${attempt.note}`);
    await goInstall({
      go,
      packageAtVersion: `github.com/nats-io/nats-server/v2@${NATS_SERVER_VERSION}`,
      builds: 'nats-server',
      destination: local,
      log,
    });
    attempt.succeeded();
    return local;
  }
  passedOver.push('no Go toolchain to install it with');

  throw new MissingServerError(
    `No NATS server can be started here (${passedOver.join('; ')}). Do one of: ` +
      `set ${options.urlVariable ?? 'NATS_URL'} to a running server with JetStream, e.g. nats://127.0.0.1:4222; ` +
      'install nats-server so that it is on PATH (https://docs.nats.io/running-a-nats-service/introduction/installation); ' +
      `let nats-server ${NATS_SERVER_VERSION} be downloaded: it needs https://github.com, or a mirror in NATS_SERVER_DOWNLOAD_MIRROR; ` +
      `or install Go (https://go.dev/dl/), and nats-server is installed with it into ${binDir} on the next run.`,
  );
}
