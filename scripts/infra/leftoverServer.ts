import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Log } from './log';

/**
 * A server records its pid beside its data. When a run was killed too hard to clean up, its server
 * may still hold the data directory; the next run stops it before starting a new one on the same data.
 */
const PID_FILE = 'server.pid';

export function recordServerPid(dataDir: string, pid: number): void {
  fs.writeFileSync(path.join(dataDir, PID_FILE), `${pid}\n`);
}

export function forgetServerPid(dataDir: string): void {
  fs.rmSync(path.join(dataDir, PID_FILE), { force: true });
}

export async function stopLeftoverServer(dataDir: string, log: Log): Promise<void> {
  const pid = recordedPid(dataDir);
  if (pid === undefined || !usesDataDir(pid, dataDir)) return;
  log(`stopping a server left running by an earlier run (pid ${pid}, data in ${dataDir})`);
  process.kill(pid, 'SIGTERM');
  for (let waited = 0; isAlive(pid) && waited < 10_000; waited += 100) await sleep(100);
  if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  forgetServerPid(dataDir);
}

function recordedPid(dataDir: string): number | undefined {
  try {
    const pid = Number.parseInt(fs.readFileSync(path.join(dataDir, PID_FILE), 'utf8'), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** The pid may have been reused by an unrelated process: only one whose command line names our directory is ours. */
function usesDataDir(pid: number, dataDir: string): boolean {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(dataDir);
  } catch {
    return false; // gone, or no /proc (macOS): leave it alone
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
