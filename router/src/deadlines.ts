import type { ServerResponse } from 'node:http';
import { GraphQLError } from 'graphql';

const clientSignals = new WeakMap<ServerResponse, AbortSignal>();

/**
 * Aborted when the client of this HTTP request goes away before its answer was sent, so the work
 * done for it (waiting in the queue, the fetches of its query plan) stops with it.
 */
export function clientGone(response: ServerResponse): AbortSignal {
  let signal = clientSignals.get(response);
  if (!signal) {
    const controller = new AbortController();
    response.once('close', () => {
      if (!response.writableFinished) controller.abort(new ClientGone());
    });
    signal = controller.signal;
    clientSignals.set(response, signal);
  }
  return signal;
}

/** Nobody reads this answer; it only ends the fetches of a client that left (and counts in metrics). */
export class ClientGone extends GraphQLError {
  constructor() {
    super('The client went away before the answer', { extensions: { code: 'SERVICE_UNAVAILABLE' } });
  }
}

export function fetchTimedOut(subgraph: string, timeoutMs: number, cause: unknown): GraphQLError {
  return new GraphQLError(`The ${subgraph} service did not answer within ${timeoutMs} ms; retry later`, {
    extensions: { code: 'SERVICE_UNAVAILABLE' },
    originalError: cause as Error,
  });
}

/**
 * One fetch that several callers wait for (merged in-flight fetches): each caller that leaves stops
 * waiting at once; the fetch itself is aborted only when every caller has left.
 */
export class SharedFetch<Answer> {
  readonly #abandon = new AbortController();
  readonly #answer: Promise<Answer>;
  #waiting = 0;
  #answered = false;
  /** Callers given the answer that have not claimed it yet (see lastToClaim). */
  #unclaimed = 0;

  constructor(start: (abandoned: AbortSignal) => Promise<Answer>) {
    this.#answer = start(this.#abandon.signal);
    // The answer's first reaction, before any caller's: from here on who holds it is known.
    this.#answer.then(
      () => {
        this.#answered = true;
        this.#unclaimed = this.#waiting;
      },
      () => {
        this.#answered = true;
      },
    );
  }

  /** Every caller left: it is being aborted, and a new caller must not join it. */
  get abandoned(): boolean {
    return this.#abandon.signal.aborted;
  }

  /** Still to be answered and not abandoned: a new caller may join it. */
  get joinable(): boolean {
    return !this.#answered && !this.abandoned;
  }

  /**
   * Called once by each caller the answer was given to: true for the last of them. An answer the
   * callers change (a parsed response they merge into) goes as it is to that one, and as a copy,
   * taken before, to each of the others. No one joins an answered fetch, so the last is known.
   */
  lastToClaim(): boolean {
    this.#unclaimed -= 1;
    return this.#unclaimed === 0;
  }

  get settled(): Promise<unknown> {
    return this.#answer.catch(() => undefined);
  }

  waitFor(caller: AbortSignal | undefined): Promise<Answer> {
    this.#waiting += 1;
    // A caller without a signal (a subscription's payload) never leaves.
    if (!caller) return this.#answer;
    return new Promise<Answer>((resolve, reject) => {
      const leave = () => {
        reject(caller.reason as Error);
        this.#waiting -= 1;
        if (this.#waiting === 0) this.#abandon.abort(caller.reason);
      };
      if (caller.aborted) {
        leave();
        return;
      }
      caller.addEventListener('abort', leave, { once: true });
      this.#answer.then(
        (answer) => {
          caller.removeEventListener('abort', leave);
          resolve(answer);
        },
        (error: Error) => {
          caller.removeEventListener('abort', leave);
          reject(error);
        },
      );
    });
  }
}
