import { setTimeout as sleep } from 'node:timers/promises';
import type { OutboxEntry } from '@roombook/contracts';
import { Conflict, NotFound } from '../errors';
import type { AggregateLock } from './aggregateLock';
import type { Versioned } from './decision';

/** What a decision leaves behind: the aggregate's next state and the events that say what happened. */
export interface Decision<State extends Versioned> {
  readonly state: State;
  readonly events: readonly OutboxEntry[];
}

/** Where a command handler loads an aggregate and saves its next state. */
export interface AggregateStore<State extends Versioned> {
  findById(id: string): Promise<State | null>;
  /**
   * Saves `next` with its events in one write, on condition that the stored version is still
   * `expectedVersion`. False when somebody changed the aggregate since (load and decide again).
   */
  update(next: State, expectedVersion: number, events: readonly OutboxEntry[]): Promise<boolean>;
}

export interface Handled<State> {
  readonly state: State;
  /** False when the decision was "nothing to do" (a repeat, or news the aggregate has moved past). */
  readonly changed: boolean;
}

const DEFAULT_MAX_ATTEMPTS = 5;
/** The longest pause between two attempts after a lost versioned save. */
const MAX_BACKOFF_MS = 250;

/**
 * The one way an aggregate changes after its insert: load it, decide (a pure function: the next
 * state and its events, or null for no change), save both in one versioned write, and decide
 * again on a version conflict, after a short random pause. Missing: NotFound. Still conflicting
 * after the last attempt: Conflict (the contract's CONFLICT; the client may retry). Runs under the
 * aggregate's lock, so within one process concurrent commands queue instead of conflicting (see
 * AggregateLock).
 *
 * A caller that holds the aggregate as it just wrote it (a use case right after its insert) passes
 * it as `known`: the first attempt decides on it without reading it back, and the versioned save
 * still refuses it if anybody changed the aggregate since (then the loop reads as usual).
 */
export class CommandHandler<State extends Versioned> {
  constructor(
    private readonly entity: string,
    private readonly store: AggregateStore<State>,
    private readonly lock: AggregateLock,
    private readonly maxAttempts = DEFAULT_MAX_ATTEMPTS,
  ) {}

  handle(id: string, decide: (current: State) => Decision<State> | null, known?: State): Promise<Handled<State>> {
    return this.lock.run(id, async () => {
      for (let attempt = 1; attempt <= this.maxAttempts; attempt += 1) {
        const current = attempt === 1 && known ? known : await this.store.findById(id);
        if (!current) throw new NotFound(this.entity, id, 'id');
        const decision = decide(current);
        // "Nothing to do" on a state not read here could be news it has not seen: read and decide again.
        if (!decision && current === known && attempt === 1) continue;
        if (!decision) return { state: current, changed: false };
        if (await this.store.update(decision.state, current.version, decision.events)) {
          return { state: decision.state, changed: true };
        }
        // Another process saved first. Trying again at once would meet it again at the same
        // moment: two writers of one row (a rebuild beside a live consumer) could lose to each
        // other every time. A random pause, growing with each loss, lets one of them through.
        if (attempt < this.maxAttempts) await sleep(Math.random() * Math.min(MAX_BACKOFF_MS, 10 * 2 ** attempt));
      }
      throw new Conflict(`${this.entity} ${id} was changed concurrently ${this.maxAttempts} times in a row; try again`);
    });
  }
}
