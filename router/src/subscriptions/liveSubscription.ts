import type { ExecutionResult, GraphQLError } from 'graphql';
import type { LiveOperation } from './entityQuery';

/**
 * One client subscription: the payloads waiting to be sent to it, at most `limit`. graphql-ws
 * pulls the next payload only once the previous one was written to the socket, so a client that
 * stops reading lets this queue grow: past the limit it is `overflow`ed (and dropped), and the
 * events of everybody else never wait for it.
 *
 * An async iterator, not an async generator: `return()` must end it at once, also while it waits
 * for an event (a generator would first wait for that event).
 */
export class LiveSubscription implements AsyncIterableIterator<ExecutionResult> {
  private readonly queued: ExecutionResult[] = [];
  private waiting: ((result: IteratorResult<ExecutionResult>) => void) | undefined;
  private ended = false;
  /** Ended by the router: what is queued is still sent, nothing more is taken. */
  private closing = false;
  private readonly roomWaiters: (() => void)[] = [];

  constructor(
    readonly operation: LiveOperation,
    private readonly limit: number,
    private readonly hooks: { readonly overflow: () => void; readonly ended: () => void },
  ) {}

  get isEnded(): boolean {
    return this.ended;
  }

  push(result: ExecutionResult): void {
    if (this.ended || this.closing) return;
    if (this.waiting) {
      const deliver = this.waiting;
      this.waiting = undefined;
      deliver({ value: result, done: false });
    } else if (this.queued.length >= this.limit) this.hooks.overflow();
    else this.queued.push(result);
  }

  /** Ends it with one last payload, an error saying why (after what was already queued). */
  end(error: GraphQLError): void {
    if (this.ended || this.closing) return;
    this.push({ errors: [error] });
    this.closing = true;
    this.hooks.ended();
  }

  /** Resolves when one more payload may be queued without dropping the client (or it ended): a replay waits for a slow reader. */
  room(): Promise<void> {
    if (this.queued.length < this.limit || this.ended) return Promise.resolve();
    return new Promise((resolve) => this.roomWaiters.push(resolve));
  }

  next(): Promise<IteratorResult<ExecutionResult>> {
    const result = this.queued.shift();
    if (this.roomWaiters.length > 0 && (this.queued.length < this.limit || !result)) {
      for (const wake of this.roomWaiters.splice(0)) wake();
    }
    if (result) return Promise.resolve({ value: result, done: false });
    if (this.ended || this.closing) {
      void this.return();
      return Promise.resolve({ value: undefined, done: true });
    }
    return new Promise((resolve) => (this.waiting = resolve));
  }

  /** Ends it: called by graphql-ws when the client completes or leaves, and by the router when it stops. */
  return(): Promise<IteratorResult<ExecutionResult>> {
    if (!this.ended) {
      this.ended = true;
      this.queued.length = 0;
      this.waiting?.({ value: undefined, done: true });
      this.waiting = undefined;
      for (const wake of this.roomWaiters.splice(0)) wake();
      this.hooks.ended();
    }
    return Promise.resolve({ value: undefined, done: true });
  }

  throw(): Promise<IteratorResult<ExecutionResult>> {
    return this.return();
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<ExecutionResult> {
    return this;
  }
}
