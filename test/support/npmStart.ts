import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { REPO_ROOT } from '../../scripts/infra/locations';
import { isPortFree } from '../../scripts/infra/ports';
import { forgetProcess, recordProcess } from '../../scripts/infra/processRegistry';
import { SUBGRAPHS } from '../../subgraphs/catalog';

/** A line `npm start` printed, and when it arrived, to hold it to a deadline. */
export interface PrintedLine {
  readonly text: string;
  readonly at: number;
}

/** `npm start` as a person runs it, in its own process group as a terminal would put it. */
export interface NpmStart {
  readonly process: ChildProcess;
  /** What it printed so far, stdout and stderr together. */
  output(): string;
  /** The first line matching `pattern`, now or when it is printed; rejects when npm start exits first. */
  line(pattern: RegExp): Promise<PrintedLine>;
  /** Ctrl-C in the terminal: SIGINT to the whole process group (a `go` build it runs gets it too). */
  interrupt(): void;
  /** SIGTERM to npm start alone, as a process manager stops it. */
  terminate(): void;
  /** A signal to npm start alone, as `kill -INT <pid>` sends it, or npm passing on its own. */
  signal(signal: NodeJS.Signals): void;
  /** Its exit code once it has exited. */
  readonly exited: Promise<number | null>;
}

/**
 * The launcher's arguments, from the command `npm run dev` runs as package.json spells it (`npm
 * start` runs the same after a build, with --compiled): `exec node <arguments>`, so that the
 * launcher is npm's child itself and gets every signal first-hand (a tsx CLI in between relays
 * them, and kills the launcher when it does not confirm one within 30 ms).
 */
const LAUNCHER_ARGUMENTS = ((): string[] => {
  const { scripts } = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  };
  const launcher = /^exec node (.+)$/.exec(scripts.dev);
  if (!launcher) throw new Error(`package.json's dev script must be "exec node <arguments>": it is "${scripts.dev}"`);
  return launcher[1].split(' ');
})();

/**
 * Runs package.json's launcher with exactly `env` added to this process's environment (`undefined`
 * removes a variable), with this process's node (a test's PATH may hold only what it is about).
 * The same as `npm start`, minus npm itself, so that signals reach the launcher directly.
 */
export function runNpmStart(env: Record<string, string | undefined>): NpmStart {
  const environment: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'warn' };
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) delete environment[name];
    else environment[name] = value;
  }
  const child = spawn(process.execPath, LAUNCHER_ARGUMENTS, {
    cwd: REPO_ROOT,
    env: environment,
    detached: true,
  });
  // Its own group, out of reach of the run's Ctrl-C: the run's teardown stops it if the test did not.
  recordProcess(child.pid!, 'npm start', true);

  const lines: PrintedLine[] = [];
  const waiting = new Set<() => void>();
  for (const stream of [child.stdout, child.stderr]) {
    readline.createInterface({ input: stream, crlfDelay: Infinity }).on('line', (text) => {
      lines.push({ text, at: Date.now() });
      for (const wake of waiting) wake();
    });
  }
  let hasExited = false;
  const exited = new Promise<number | null>((resolve) =>
    child.once('close', (code) => {
      hasExited = true;
      forgetProcess(child.pid!);
      for (const wake of waiting) wake();
      resolve(code);
    }),
  );
  const output = () => lines.map((line) => line.text).join('\n');

  return {
    process: child,
    output,
    exited,
    line(pattern) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = lines.find((line) => pattern.test(line.text));
          if (found === undefined && !hasExited) return;
          waiting.delete(check);
          if (found !== undefined) resolve(found);
          else reject(new Error(`npm start exited without printing ${String(pattern)}. It printed:\n${output()}`));
        };
        waiting.add(check);
        check();
      });
    },
    interrupt: () => process.kill(-child.pid!, 'SIGINT'),
    terminate: () => child.kill('SIGTERM'),
    signal: (signal) => child.kill(signal),
  };
}

/**
 * A router port and a subgraph port offset at which every port npm start would take is free,
 * so that a test's npm start never meets a running one. Below Linux's ephemeral range (32768 and
 * up), where the servers of other tests, listening on port 0, land while this one starts.
 */
export async function freePortLayout(): Promise<{ PORT: string; SUBGRAPH_PORT_OFFSET: string }> {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const base = 20_000 + Math.floor(Math.random() * 12_000);
    const ports = [base, ...SUBGRAPHS.map(({ port }) => port - 4000 + base)];
    if ((await Promise.all(ports.map(isPortFree))).every(Boolean)) {
      return { PORT: String(base), SUBGRAPH_PORT_OFFSET: String(base - 4000) };
    }
  }
  throw new Error('no free port layout found');
}
