import path from 'node:path';
import { REPO_ROOT } from '../infra/locations';
import { startManagedProcess, type ManagedProcess, type ProcessExit } from '../infra/managedProcess';
import { answers200, pollUntilReady } from '../infra/readiness';

/** One of our own services (a subgraph or the router). */
export interface ServiceSpec {
  readonly name: string;
  /** Its main module's TypeScript source, relative to the repository root. */
  readonly entry: string;
  /**
   * `compiled`: plain node runs its build under dist/ (`npm run build`), without tsx or source-map
   * translation, as the images do. `source`: node runs the TypeScript through tsx (`npm run dev`).
   */
  readonly runs: 'compiled' | 'source';
  readonly port: number;
  /** Added to this process's environment. */
  readonly env: Readonly<Record<string, string>>;
  /** Where its output lines go, already prefixed with its name. */
  readonly print: (line: string) => void;
}

export interface RunningService {
  readonly name: string;
  readonly port: number;
  readonly child: ManagedProcess;
  /** Resolves when GET /health/ready answers 200; rejects, with the end of its output, when it exits or is too slow. */
  untilReady(timeoutMs: number): Promise<void>;
}

/** A service that could not start; the message names it and quotes its last output. */
export class ServiceStartError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ServiceStartError';
  }
}

export async function launchService(spec: ServiceSpec): Promise<RunningService> {
  const child = await startManagedProcess({
    name: spec.name,
    // `node --import tsx` rather than the tsx CLI: one process per service, which gets our signals itself.
    command: process.execPath,
    args:
      spec.runs === 'compiled'
        ? [path.join('dist', spec.entry.replace(/\.ts$/, '.js'))]
        : ['--import', 'tsx', spec.entry],
    cwd: REPO_ROOT,
    env: { ...process.env, ...spec.env },
    output: { onLine: spec.print },
    // Its own process group: Ctrl-C reaches only `npm start`, which stops the services in order.
    detached: true,
  });

  return {
    name: spec.name,
    port: spec.port,
    child,
    async untilReady(timeoutMs) {
      const ready = () => answers200(`http://127.0.0.1:${spec.port}/health/ready`);
      const outcome = await pollUntilReady(ready, { timeoutMs, intervalMs: 250, exited: child.exited });
      if (outcome === 'ready') return;
      const why =
        outcome === 'exited'
          ? `exited (${describeExit(await child.exited)}) before it was ready`
          : `was not ready on port ${spec.port} within ${timeoutMs / 1000} s`;
      throw new ServiceStartError(`${spec.name} ${why}. Its last output:\n${child.outputTail(20)}`);
    },
  };
}

export function describeExit({ code, signal }: ProcessExit): string {
  return signal === null ? `exit code ${code}` : `signal ${signal}`;
}
