import type { ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';
import { Counter, Gauge, type Registry } from 'prom-client';
import { clientGone } from './deadlines';

export interface AdmissionLimits {
  /** Operations executing at once. */
  readonly maxConcurrent: number;
  /** Operations waiting for a turn; one more is refused at once. */
  readonly maxQueued: number;
  /** The longest an operation waits for its turn before it is refused. */
  readonly queueTimeoutMs: number;
}

export type Refusal = 'queue_full' | 'queue_timeout';

interface Waiting {
  readonly admit: () => void;
}

/**
 * Admission of operations: a fixed number execute at once, a bounded few wait in arrival order,
 * and the rest are refused at once, so latency and memory stay bounded however many arrive.
 * A p-queue or Bottleneck would not do: neither refuses when its queue is full, nor drops a waiter
 * whose client left. Each admitted operation must call the release it gets, exactly once.
 */
export class Admission {
  #executing = 0;
  readonly #queue: Waiting[] = [];

  constructor(private readonly limits: AdmissionLimits) {}

  get executing(): number {
    return this.#executing;
  }

  get queued(): number {
    return this.#queue.length;
  }

  /** Resolves with a release once the operation may execute, or with why it may not. */
  enter(abandoned?: AbortSignal): Promise<{ release: () => void } | { refused: Refusal | 'abandoned' }> {
    if (this.#executing < this.limits.maxConcurrent && this.#queue.length === 0) {
      this.#executing += 1;
      return Promise.resolve({ release: this.#releaser() });
    }
    if (this.#queue.length >= this.limits.maxQueued) return Promise.resolve({ refused: 'queue_full' });
    return new Promise((resolve) => {
      const leave = (why: Refusal | 'abandoned') => {
        clearTimeout(timer);
        abandoned?.removeEventListener('abort', onAbandoned);
        const index = this.#queue.indexOf(waiting);
        if (index >= 0) this.#queue.splice(index, 1);
        resolve({ refused: why });
      };
      const onAbandoned = () => leave('abandoned');
      const timer = setTimeout(() => leave('queue_timeout'), this.limits.queueTimeoutMs);
      const waiting: Waiting = {
        admit: () => {
          clearTimeout(timer);
          abandoned?.removeEventListener('abort', onAbandoned);
          resolve({ release: this.#releaser() });
        },
      };
      abandoned?.addEventListener('abort', onAbandoned, { once: true });
      this.#queue.push(waiting);
    });
  }

  #releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#queue.shift();
      // The turn passes straight to the next waiter, so the count of executing operations stays.
      if (next) next.admit();
      else this.#executing -= 1;
    };
  }
}

const turns = new WeakMap<ServerResponse, () => void>();

/**
 * Gives this request's turn back before its answer ends: a subscription stream over HTTP takes a
 * turn to open (it is checked and planned like any operation), then waits for events for hours,
 * which is no work in progress.
 */
export function leaveAdmission(response: ServerResponse): void {
  turns.get(response)?.();
}

export interface LoadSheddingOptions extends AdmissionLimits {
  readonly retryAfterSeconds: number;
}

/**
 * Express middleware in front of the GraphQL endpoint: an operation executes when Admission lets
 * it, and is otherwise answered 503 SERVICE_UNAVAILABLE with Retry-After. Health and metrics are
 * mounted before it and never wait here.
 */
export function loadShedding(options: LoadSheddingOptions, registry: Registry): RequestHandler {
  const admission = new Admission(options);
  new Gauge({
    name: 'router_operations_executing',
    help: 'Operations the router is executing now (at most MAX_CONCURRENT_OPERATIONS)',
    registers: [registry],
    collect() {
      this.set(admission.executing);
    },
  });
  new Gauge({
    name: 'router_operations_queued',
    help: 'Operations waiting for a turn to execute (at most MAX_QUEUED_OPERATIONS)',
    registers: [registry],
    collect() {
      this.set(admission.queued);
    },
  });
  const shed = new Counter({
    name: 'router_operations_shed_total',
    help: 'Operations refused with 503 because the router was at capacity, by reason',
    labelNames: ['reason'],
    registers: [registry],
  });
  return (req, res, next) => {
    // The landing page (Sandbox) is no operation.
    if (req.method === 'GET' && req.query.query === undefined) {
      next();
      return;
    }
    void admission.enter(clientGone(res)).then((entered) => {
      if ('release' in entered) {
        turns.set(res, entered.release);
        res.once('close', entered.release);
        next();
        return;
      }
      if (entered.refused === 'abandoned') return;
      shed.inc({ reason: entered.refused });
      res
        .status(503)
        .set('retry-after', String(options.retryAfterSeconds))
        .json({
          errors: [
            {
              message: `The router is at capacity; retry after ${options.retryAfterSeconds} s`,
              extensions: { code: 'SERVICE_UNAVAILABLE' },
            },
          ],
        });
    });
  };
}
