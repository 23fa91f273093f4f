import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import readline from 'node:readline';
import { forgetProcess, recordProcess } from './processRegistry';

/** Where a child's stdout and stderr go: appended to a log file, or handed over line by line. */
export type ProcessOutput = { readonly logFile: string } | { readonly onLine: (line: string) => void };

export interface ProcessSpec {
  /** Names the process in messages. */
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly output: ProcessOutput;
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /**
   * Run in its own process group, so a Ctrl-C in the terminal reaches only us and we can stop
   * children in order. The caller must then stop it; if we exit first, it is killed (see below).
   */
  readonly detached?: boolean;
}

export interface ProcessExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface ManagedProcess {
  readonly name: string;
  readonly pid: number;
  /** Settles when the process has exited, for whatever reason. */
  readonly exited: Promise<ProcessExit>;
  isRunning(): boolean;
  /** The last lines it printed, to explain a failure. */
  outputTail(lineCount?: number): string;
  /** SIGTERM, then SIGKILL when it has not exited after `graceMs`. */
  stop(graceMs?: number): Promise<ProcessExit>;
}

const DEFAULT_STOP_GRACE_MS = 10_000;
const KEPT_OUTPUT_LINES = 200;

export async function startManagedProcess(spec: ProcessSpec): Promise<ManagedProcess> {
  const logFd = 'logFile' in spec.output ? fs.openSync(spec.output.logFile, 'a') : undefined;
  const recentLines: string[] = [];

  const child = spawn(spec.command, [...spec.args], {
    cwd: spec.cwd,
    env: spec.env ?? process.env,
    detached: spec.detached ?? false,
    stdio: logFd === undefined ? ['ignore', 'pipe', 'pipe'] : ['ignore', logFd, logFd],
  });
  // The child has its own copy of the descriptor.
  if (logFd !== undefined) fs.closeSync(logFd);

  if ('onLine' in spec.output) {
    const { onLine } = spec.output;
    for (const stream of [child.stdout, child.stderr]) {
      if (stream === null) continue;
      readline.createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
        recentLines.push(line);
        if (recentLines.length > KEPT_OUTPUT_LINES) recentLines.shift();
        onLine(line);
      });
    }
  }

  let running = true;
  const exited = new Promise<ProcessExit>((resolve) => {
    // 'close', not 'exit': by then all its output has been read, so outputTail() is complete.
    child.once('close', (code, signal) => {
      running = false;
      resolve({ code, signal });
    });
  });

  await spawned(child, spec);
  const pid = child.pid as number;
  if (running) {
    killOnExit(child);
    recordProcess(pid, spec.name, spec.detached ?? false);
    void exited.then(() => forgetProcess(pid));
  }

  return {
    name: spec.name,
    pid,
    exited,
    isRunning: () => running,
    outputTail: (lineCount = 30) =>
      'logFile' in spec.output
        ? lastLinesOfFile(spec.output.logFile, lineCount)
        : recentLines.slice(-lineCount).join('\n'),
    async stop(graceMs = DEFAULT_STOP_GRACE_MS) {
      if (!running) return exited;
      child.kill('SIGTERM');
      const deadline = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const exit = await exited;
      clearTimeout(deadline);
      return exit;
    },
  };
}

/** Resolves once the OS has started the process; rejects when it could not (missing binary, no permission). */
function spawned(child: ChildProcess, spec: ProcessSpec): Promise<void> {
  return new Promise((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', (error) =>
      reject(new Error(`could not start ${spec.name} (${spec.command}): ${error.message}`, { cause: error })),
    );
  });
}

/**
 * Servers we started must not outlive us, or the next run finds their ports and data taken.
 * 'exit' runs on normal exit, process.exit() and uncaught errors; on SIGKILL nothing can run,
 * which is why children that are not detached also share our process group.
 */
const liveChildren = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Kills `child` if we exit while it runs: servers, and also builds (a Ctrl-C during `go build`). */
export function killOnExit(child: ChildProcess): void {
  liveChildren.add(child);
  child.once('close', () => liveChildren.delete(child));
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const running of liveChildren) running.kill('SIGKILL');
  });
}

function lastLinesOfFile(file: string, lineCount: number): string {
  const readAtMost = 64 * 1024;
  try {
    const size = fs.statSync(file).size;
    const fd = fs.openSync(file, 'r');
    try {
      const length = Math.min(size, readAtMost);
      const buffer = Buffer.alloc(length);
      fs.readSync(fd, buffer, 0, length, size - length);
      return buffer.toString('utf8').trimEnd().split('\n').slice(-lineCount).join('\n');
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return '(no output)';
  }
}
