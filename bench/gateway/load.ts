/**
 * One measured window of load on a gateway: autocannon's connections sending one operation,
 * every answer checked against the expected one, and the gateway process's CPU time over the
 * window (from /proc), so that CPU per request can be compared.
 */
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';

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
  latencies.sort((a, b) => a - b);
  const answered = result.requests.total;
  return {
    requestsPerSecond: answered / seconds,
    p50: Math.round(percentile(latencies, 50)),
    p95: Math.round(percentile(latencies, 95)),
    p99: Math.round(percentile(latencies, 99)),
    cpuMsPerRequest: answered > 0 ? cpuMs / answered : NaN,
    errors: result.errors + result.timeouts + result.non2xx + (result.mismatches ?? 0),
    requests: answered,
  };
}
