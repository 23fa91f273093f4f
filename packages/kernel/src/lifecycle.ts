import { ConfigError, exitWithConfigError } from './config';
import { createLogger, type Logger } from './logger';
import type { RunningService } from './subgraph';

const SHUTDOWN_DEADLINE_MS = 10_000;

/** Runs a service until SIGTERM/SIGINT, then stops it within a deadline. */
export function stopOnSignal(stop: () => Promise<void>, log: Logger): void {
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    const deadline = setTimeout(() => {
      log.error('shutdown deadline passed; exiting');
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS);
    deadline.unref();
    stop()
      // The spans of the last moments, which the exporter batches (a no-op when tracing is off).
      .then(async () => (await import('./observability/tracing')).flushTracing())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          log.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

/**
 * A service's main: start it, then run until SIGTERM/SIGINT. A failed start exits 1 with the reason;
 * a configuration refused at start (e.g. a public secret in production) exits as loadConfig does.
 */
export function runUntilStopped(name: string, logLevel: string, start: () => Promise<RunningService>): void {
  start().then(
    (service) => stopOnSignal(() => service.stop(), createLogger(name, logLevel)),
    (error: unknown) => {
      if (error instanceof ConfigError) exitWithConfigError(error);
      console.error(`${name} failed to start:`, error);
      process.exit(1);
    },
  );
}
