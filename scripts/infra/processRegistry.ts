import fs from 'node:fs';
import path from 'node:path';

/**
 * A run's record of the processes it started, so that whoever owns the run can stop them all by
 * pid, also after the process that started them was killed (a test worker that Jest ends, a run
 * interrupted with Ctrl-C). Set ROOMBOOK_PROCESS_REGISTRY to a directory and every server and
 * service started through startManagedProcess (and every process it starts, which inherits the
 * variable) writes one file there, named by its pid, and removes it when the process exits.
 * The test run's global set-up sets it (test/setup/processReaper.ts); `npm start` does not.
 */
export const PROCESS_REGISTRY_VARIABLE = 'ROOMBOOK_PROCESS_REGISTRY';

export interface RegisteredProcess {
  readonly pid: number;
  readonly name: string;
  /** Leads its own process group: stopping it stops the group (a `go build` it runs, say). */
  readonly groupLeader: boolean;
  /** The kernel's start time of the process (Linux), so a pid reused by another process is left alone. */
  readonly startTime: string | null;
}

function registryDir(): string | undefined {
  return process.env[PROCESS_REGISTRY_VARIABLE] || undefined;
}

/** Field 22 of /proc/<pid>/stat: when the process started, in clock ticks since boot. */
export function processStartTime(pid: number): string | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces; the fields after it are plain.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

export function recordProcess(pid: number, name: string, groupLeader: boolean): void {
  const dir = registryDir();
  if (dir === undefined) return;
  const entry: RegisteredProcess = { pid, name, groupLeader, startTime: processStartTime(pid) };
  try {
    fs.writeFileSync(path.join(dir, String(pid)), JSON.stringify(entry));
  } catch {
    // The run's owner removed the registry: it is ending, and stops what it finds there.
  }
}

export function forgetProcess(pid: number): void {
  const dir = registryDir();
  if (dir === undefined) return;
  fs.rmSync(path.join(dir, String(pid)), { force: true });
}

/** The processes recorded in `dir` that still run (the same process, not a later one with its pid). */
export function recordedProcesses(dir: string): RegisteredProcess[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const found: RegisteredProcess[] = [];
  for (const name of names) {
    try {
      const entry = JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8')) as RegisteredProcess;
      const alive = entry.startTime === null ? isAlive(entry.pid) : isStillRunning(entry.pid, entry.startTime);
      if (alive) found.push(entry);
      else fs.rmSync(path.join(dir, name), { force: true });
    } catch {
      // Half-written or just removed.
    }
  }
  return found;
}

/** The same process (by its start time), and not a zombie waiting for its parent to reap it. */
function isStillRunning(pid: number, startTime: string): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[0] !== 'Z' && fields[19] === startTime;
  } catch {
    return false;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Sends `signal` to each recorded process that still runs (to its group if it leads one). */
export function signalRecorded(dir: string, signal: NodeJS.Signals): RegisteredProcess[] {
  const running = recordedProcesses(dir);
  for (const { pid, groupLeader } of running) {
    try {
      process.kill(groupLeader ? -pid : pid, signal);
    } catch {
      // Gone meanwhile.
    }
  }
  return running;
}

/**
 * Stops every recorded process: SIGTERM, and SIGKILL to those still running after `graceMs`.
 * Returns what it found running.
 */
export async function stopRecorded(dir: string, graceMs = 5_000): Promise<RegisteredProcess[]> {
  const found = signalRecorded(dir, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (recordedProcesses(dir).length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  signalRecorded(dir, 'SIGKILL');
  return found;
}

/**
 * Processes whose environment holds this registry's variable, as every process of the run
 * inherits it, including those that never recorded themselves (a test's own `spawn`). Linux
 * (/proc) only; elsewhere none are found. Not this process.
 */
export function processesCarrying(dir: string): { pid: number; parent: number; command: string }[] {
  const marker = `${PROCESS_REGISTRY_VARIABLE}=${dir}\0`;
  let pids: string[];
  try {
    pids = fs.readdirSync('/proc').filter((name) => /^\d+$/.test(name) && Number(name) !== process.pid);
  } catch {
    return [];
  }
  const found: { pid: number; parent: number; command: string }[] = [];
  for (const pid of pids) {
    try {
      if (!fs.readFileSync(`/proc/${pid}/environ`, 'utf8').includes(marker)) continue;
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[0] === 'Z') continue;
      const command = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
      found.push({ pid: Number(pid), parent: Number(fields[1]), command });
    } catch {
      // Gone, or not ours to read.
    }
  }
  return found;
}
