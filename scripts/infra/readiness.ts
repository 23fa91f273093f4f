import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';

export type ReadinessOutcome = 'ready' | 'timed-out' | 'exited';

export interface ReadinessPolling {
  readonly timeoutMs: number;
  readonly intervalMs?: number;
  /** Settles when the process being waited for has exited: no point polling on. */
  readonly exited: Promise<unknown>;
}

/**
 * Asks `isReady` until it says yes, the deadline passes or the process exits.
 * `isReady` answers false (never throws) while the server is still coming up.
 */
export async function pollUntilReady(
  isReady: () => Promise<boolean>,
  polling: ReadinessPolling,
): Promise<ReadinessOutcome> {
  let exited = false;
  void polling.exited.then(() => (exited = true));
  const deadline = Date.now() + polling.timeoutMs;
  for (;;) {
    if (await isReady()) return 'ready';
    if (exited) return 'exited';
    if (Date.now() >= deadline) return 'timed-out';
    await sleep(polling.intervalMs ?? 100);
  }
}

/**
 * True when a GET to `url` answers 200 within a second; false on any other status or a network error.
 * No keep-alive agent: an idle pooled socket would keep a test process or Jest itself from exiting.
 */
export function answers200(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const request = http.get(url, { agent: false, timeout: 1_000 }, (response) => {
      response.resume();
      resolve(response.statusCode === 200);
    });
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolve(false));
  });
}
