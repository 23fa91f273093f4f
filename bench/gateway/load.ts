/**
 * One measured window of load on a gateway: autocannon's connections sending one operation,
 * every answer checked against the expected one, and the gateway process's CPU time over the
 * window (from /proc), so that CPU per request can be compared.
 */
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';
import { descendantsCpu } from '../processCpu';

export interface Operation {
  readonly query: string;
  readonly variables?: Record<string, unknown>;
  readonly headers?: Record<string, string>;
  /** The answer's `data`, normalized by JSON.stringify. */
  readonly expectedData: string;
}

export interface Window {
  readonly requestsPerSecond: number;
  /** Milliseconds, rounded. */
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  /** Milliseconds of the gateway process's CPU per answered request. */
  readonly cpuMsPerRequest: number;
  /**
   * Milliseconds of everything else's CPU per answered request: the bench's other processes (the
   * subgraphs, the database, NATS) and the bench itself (the load generator, which checks every
   * answer). On a machine the benchmark fills, the gateway's share of it is what decides its rate.
   */
  readonly restCpuMsPerRequest: number;
  /** That CPU by process, largest first: "reservation/src/main.ts 4120 ms". */
  readonly restByProcess: readonly string[];
  /** Wrong answers, non-2xx statuses, socket errors and timeouts: any is a failed request. */
  readonly errors: number;
  readonly requests: number;
}

/** user + system CPU time of a process so far, in milliseconds (Linux clock ticks are 10 ms). */
function cpuMsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which is in parentheses and may contain spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return ticks * 10;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** True when the answer has no errors and exactly the expected data. */
export function isExpectedAnswer(body: string, expectedData: string): boolean {
  try {
    const answer = JSON.parse(body) as { data?: unknown; errors?: unknown };
    return answer.errors === undefined && JSON.stringify(answer.data) === expectedData;
  } catch {
    return false;
  }
}

export async function measure(
  url: string,
  gatewayPid: number,
  operation: Operation,
  { connections, seconds }: { connections: number; seconds: number },
): Promise<Window> {
  const latencies: number[] = [];
  const cpuBefore = cpuMsOf(gatewayPid);
  const restBefore = restCpu(gatewayPid);
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url,
        connections,
        duration: seconds,
        method: 'POST',
        headers: { 'content-type': 'application/json', ...operation.headers },
        body: JSON.stringify({ query: operation.query, variables: operation.variables ?? {} }),
        verifyBody: (body) => isExpectedAnswer(String(body ?? ''), operation.expectedData),
      },
      (error: Error | null, finished: autocannon.Result) => (error ? reject(error) : resolve(finished)),
    );
    instance.on('response', (_client, _status, _bytes, responseTime) => latencies.push(responseTime));
  });
  const cpuMs = cpuMsOf(gatewayPid) - cpuBefore;
  const rest = restCpuSince(restBefore, gatewayPid);
  latencies.sort((a, b) => a - b);
  const answered = result.requests.total;
  return {
    requestsPerSecond: answered / seconds,
    p50: Math.round(percentile(latencies, 50)),
    p95: Math.round(percentile(latencies, 95)),
    p99: Math.round(percentile(latencies, 99)),
    cpuMsPerRequest: answered > 0 ? cpuMs / answered : NaN,
    restCpuMsPerRequest: answered > 0 ? rest.ms / answered : NaN,
    restByProcess: rest.byProcess,
    errors: result.errors + result.timeouts + result.non2xx + (result.mismatches ?? 0),
    requests: answered,
  };
}

/**
 * CPU so far of this process and of each of its descendants but the gateway, in milliseconds;
 * `restCpuSince` counts the processes that ran through the whole window.
 */
function restCpu(gatewayPid: number): { own: number; each: Map<number, { cpuMs: number; command: string }> } {
  const { user, system } = process.cpuUsage();
  const each = new Map<number, { cpuMs: number; command: string }>();
  for (const [pid, found] of descendantsCpu()) if (pid !== gatewayPid) each.set(pid, found);
  return { own: (user + system) / 1000, each };
}

function restCpuSince(before: ReturnType<typeof restCpu>, gatewayPid: number): { ms: number; byProcess: string[] } {
  const after = restCpu(gatewayPid);
  const own = after.own - before.own;
  const spent = [{ command: 'the bench (load generator)', ms: own }];
  for (const [pid, { cpuMs, command }] of after.each) {
    const earlier = before.each.get(pid);
    if (earlier) spent.push({ command: command.split('/').slice(-3).join('/'), ms: cpuMs - earlier.cpuMs });
  }
  spent.sort((a, b) => b.ms - a.ms);
  return {
    ms: spent.reduce((sum, { ms }) => sum + ms, 0),
    byProcess: spent.filter(({ ms }) => ms > 0).map(({ command, ms }) => `${command} ${Math.round(ms)} ms`),
  };
}
