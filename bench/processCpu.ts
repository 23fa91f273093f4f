/**
 * CPU time of this process's descendants (the services, the database, NATS), read from /proc on
 * Linux: what a burst costs the machine in all, which a shared, loaded machine changes far less
 * than it changes latency.
 */
import { readdirSync, readFileSync } from 'node:fs';

interface ProcessCpu {
  readonly ppid: number;
  /** user + system, in milliseconds (clock ticks are 10 ms). */
  readonly cpuMs: number;
  readonly command: string;
}

function read(pid: string): ProcessCpu | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may contain spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    return {
      ppid: Number(fields[1]),
      cpuMs: (Number(fields[11]) + Number(fields[12])) * 10,
      command: command.find((arg) => /main\.[jt]s$|ferretdb|nats-server/.test(arg)) ?? command[0] ?? pid,
    };
  } catch {
    return null; // gone meanwhile
  }
}

/** CPU ms so far of each descendant process, by pid; empty where there is no /proc. */
export function descendantsCpu(): Map<number, ProcessCpu> {
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((entry) => /^\d+$/.test(entry));
  } catch {
    return new Map();
  }
  const all = new Map<number, ProcessCpu>();
  for (const entry of entries) {
    const found = read(entry);
    if (found) all.set(Number(entry), found);
  }
  const ours = new Set([process.pid]);
  for (let grew = true; grew;) {
    grew = false;
    for (const [pid, { ppid }] of all)
      if (ours.has(ppid) && !ours.has(pid)) {
        ours.add(pid);
        grew = true;
      }
  }
  return new Map([...all].filter(([pid]) => ours.has(pid) && pid !== process.pid));
}

/** Each process's CPU between two readings, largest first: "reservation/src/main.ts 1,520 ms". */
export function cpuSpent(
  before: Map<number, ProcessCpu>,
  after: Map<number, ProcessCpu>,
): { total: number; each: string[] } {
  const spent = [...after]
    .map(([pid, { cpuMs, command }]) => ({ command, ms: cpuMs - (before.get(pid)?.cpuMs ?? 0) }))
    .filter(({ ms }) => ms > 0)
    .sort((a, b) => b.ms - a.ms);
  return {
    total: spent.reduce((sum, { ms }) => sum + ms, 0),
    each: spent.map(({ command, ms }) => `${command.split('/').slice(-3).join('/')} ${ms} ms`),
  };
}
