import { ConfigError, exitWithConfigError } from './config';
import { createLogger, type Logger } from './logger';
import { flushTracing } from './observability/tracing';
import type { RunningService } from './subgraph';

/** What stopping may take after the drain delay: in-flight work finishing, the outbox flushing, connections closing. */
const SHUTDOWN_DEADLINE_MS = 10_000;

/**
 * Runs a service until SIGTERM/SIGINT, then stops it within a deadline: the drain delay plus
 * SHUTDOWN_DEADLINE_MS (a platform's grace period, e.g. Kubernetes' terminationGracePeriodSeconds,
 * must be longer, or it kills the service before that).
 */
export function stopOnSignal(stop: () => Promise<void>, log: Logger, drainDelayMs = 0): void {
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    const deadline = setTimeout(() => {
      log.error('shutdown deadline passed; exiting');
      process.exit(1);
    }, drainDelayMs + SHUTDOWN_DEADLINE_MS);
    deadline.unref();
    stop()
      // The spans of the last moments, which the exporter batches (a no-op when tracing is off).
      .then(() => flushTracing())
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
    (service) => stopOnSignal(() => service.stop(), createLogger(name, logLevel), service.drainDelayMs),
    (error: unknown) => {
      if (error instanceof ConfigError) exitWithConfigError(error);
      console.error(`${name} failed to start:`, error);
      process.exit(1);
    },
  );
}
