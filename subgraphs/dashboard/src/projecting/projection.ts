import { DASHBOARD_SIGNALS } from '@roombook/contracts';
import { AggregateLock, CommandHandler, type Broker } from '@roombook/kernel';
import type { Connection } from 'mongoose';
import { applyFacts, viewOf, type DashboardFact, type DashboardRow } from '../domain/roomDashboard';
import type { ProjectionVersionRegistry } from '../projectionVersions';
import { RowStore } from '../rowStore';
import { factOf, type SourceEvent } from './facts';
import pLimit from 'p-limit';

/** A room's facts of a batch, and the events they came from. */
interface RoomEvents {
  readonly facts: DashboardFact[];
  readonly events: SourceEvent[];
}

/** Told that a row's change is readable, at `revision`; what it returns is the row's outcome (an announcement). */
type Written = (roomId: string, revision: number, hostId: string, events: readonly SourceEvent[]) => Promise<void>;

/** Facts waiting for their row's turn, and the events they came from. */
interface Batch {
  readonly facts: DashboardFact[];
  readonly events: SourceEvent[];
  readonly applied: Promise<void>;
}

/**
 * Rows of a batch written at once. More does not drain faster (each row is a few round trips to
 * one server), and on FerretDB on PostgreSQL, 50 at once under load left writes unanswered.
 */
const ROWS_AT_ONCE = 8;
/** Rows whose latest revision a process remembers (a bound on memory, not on correctness). */
const REMEMBERED_ROWS = 10_000;

/**
 * Applies events to the read model: to the active version, and to a version being rebuilt if
 * there is one. Exactness lives in the row (see applyFacts and RowStore): a fact is applied in the
 * same insert that records it, so a repeat, a redelivery after a crash, or an event that comes
 * late leaves the row as if each event had been applied once, in order.
 *
 * Events are applied in batches: all the events of one room handed over together (a consumer's
 * batch) or arriving while its row is being changed go into the row's next revision, one write.
 * The process remembers each row's latest revision as it wrote it, so a change reads nothing
 * first; if another process wrote the row meanwhile, the insert of the revision fails and the
 * change is decided again on the row as stored.
 */
export class DashboardProjection {
  private readonly stores = new Map<
    number,
    { rows: RowStore; commands: CommandHandler<DashboardRow>; latest: Map<string, DashboardRow> }
  >();
  /** Within this process, one room's row changes one at a time (across processes, the revision insert decides). */
  private readonly turns = new AggregateLock();
  private readonly waiting = new Map<string, Batch>();

  constructor(
    private readonly database: Connection,
    private readonly versions: ProjectionVersionRegistry,
    private readonly broker: Broker,
  ) {}

  rowsOf(version: number): RowStore {
    return this.storeOf(version).rows;
  }

  /** A live event: into every version that exists, then the active row's change is announced. */
  async project(event: SourceEvent): Promise<void> {
    await this.projectAll([event]).then(([outcome]) => {
      if (outcome.status === 'rejected') throw outcome.reason;
    });
  }

  /**
   * Live events, as a consumer's batch: grouped by room, each room's events applied in one
   * revision of its row in every version that exists. Settles each event by its room's write.
   *
   * With one version (no rebuild under way or just switched), each row's change is announced as
   * soon as its copy is written. With more, queries may read either of two versions (a process
   * acts on versions read up to VERSIONS_CACHE_MS before), so the versions are written newest
   * first (a query that moves on to the newer version never finds a change gone that the older
   * showed it) and a row's change is announced once every version has it: whichever version a
   * reader acting on the signal reads, the change is in it. (Announced then outside the row's turn,
   * a signal may overtake the one of the revision before; a reader reads the row as it is then.)
   */
  async projectAll(events: readonly SourceEvent[]): Promise<PromiseSettledResult<void>[]> {
    const { active, building, retiring } = await this.versions.recent();
    const byRoom = new Map<string, RoomEvents>();
    for (const event of events) {
      const fact = factOf(event);
      const room = byRoom.get(fact.roomId) ?? { facts: [], events: [] };
      room.facts.push(fact);
      room.events.push(event);
      byRoom.set(fact.roomId, room);
    }
    const settled = (outcomes: ReadonlyMap<string, PromiseSettledResult<void>>) =>
      events.map((event) => outcomes.get(factOf(event).roomId)!);
    const announceNow: Written = (roomId, revision, hostId, roomEvents) =>
      this.announce(active, roomId, revision, hostId, roomEvents);
    if (building === null && retiring === undefined) return settled(await this.applyAll(active, byRoom, announceNow));

    const outcomes = new Map<string, PromiseSettledResult<void>>();
    const pending = () => new Map([...byRoom].filter(([roomId]) => !outcomes.has(roomId)));
    if (building !== null) await this.applyEach(building, pending(), outcomes);
    const changed = new Map<string, { revision: number; hostId: string }>();
    const activeOutcomes = await this.applyAll(active, pending(), (roomId, revision, hostId) => {
      changed.set(roomId, { revision, hostId });
      return Promise.resolve();
    });
    for (const [roomId, outcome] of activeOutcomes) if (outcome.status === 'rejected') outcomes.set(roomId, outcome);
    if (retiring !== undefined) await this.applyEach(retiring, pending(), outcomes);
    await Promise.all(
      [...pending()].map(([roomId, room]) =>
        settle(outcomes, roomId, () => {
          const change = changed.get(roomId);
          return change && announceNow(roomId, change.revision, change.hostId, room.events);
        }),
      ),
    );
    return settled(outcomes);
  }

  /** Each room's facts into its row of a version queries do not read first (a rebuild's, or a retiring one), unannounced. */
  private async applyEach(
    version: number,
    byRoom: ReadonlyMap<string, RoomEvents>,
    outcomes: Map<string, PromiseSettledResult<void>>,
  ): Promise<void> {
    const limit = pLimit(ROWS_AT_ONCE);
    await Promise.all(
      [...byRoom].map(([roomId, room]) =>
        limit(async () => {
          try {
            await this.enqueue(version, roomId, room.facts, room.events, false);
          } catch (reason) {
            outcomes.set(roomId, { status: 'rejected', reason });
          }
        }),
      ),
    );
  }

  /**
   * Applies each room's facts to its row of `version` as one revision, every row of the batch in
   * the same few commands (RowStore.updateAll), telling `written` of each change as soon as its
   * row's copy is written (a reader need not wait for the batch's other copies). A row this process
   * does not know as it last wrote it, or whose write lost to another process, takes the one-row
   * way: read, decide, insert, as a single event would. Holds all the rows' turns meanwhile.
   */
  private applyAll(
    version: number,
    byRoom: ReadonlyMap<string, RoomEvents>,
    written: Written,
  ): Promise<Map<string, PromiseSettledResult<void>>> {
    const { rows, latest } = this.storeOf(version);
    const roomIds = [...byRoom.keys()];
    return this.turns.runAll(
      roomIds.map((roomId) => `${version}:${roomId}`),
      async () => {
        const outcomes = new Map<string, PromiseSettledResult<void>>();
        const changes: { roomId: string; known: DashboardRow; next: DashboardRow }[] = [];
        const oneByOne: string[] = [];
        for (const roomId of roomIds) {
          const known = latest.get(roomId);
          // "Nothing to do" on a remembered row could be news it has not seen: decided one by one, on the stored row.
          const next = known && applyFacts(known, byRoom.get(roomId)!.facts);
          if (known && next) changes.push({ roomId, known, next });
          else oneByOne.push(roomId);
        }
        let stored: boolean[] = [];
        // Each row is announced as soon as its copy is readable, not after the whole batch's copies.
        const announcements = new Map<string, Promise<void>>();
        const announceCopied = (index: number) => {
          const { roomId, next } = changes[index];
          const view = viewOf(next);
          if (!view) return;
          const announcement = written(roomId, next.version, view.hostId, byRoom.get(roomId)!.events);
          // Its failure is the row's outcome (below), unless the batch's write failed first.
          announcement.catch(() => undefined);
          announcements.set(roomId, announcement);
        };
        try {
          stored = await rows.updateAll(
            changes.map(({ known, next }) => ({ next, expectedVersion: known.version })),
            announceCopied,
          );
        } catch (reason) {
          for (const { roomId } of changes) {
            latest.delete(roomId);
            outcomes.set(roomId, { status: 'rejected', reason });
          }
        }
        const announced: Promise<void>[] = [];
        const rowsAtOnce = pLimit(ROWS_AT_ONCE);
        changes.forEach(({ roomId, next }, index) => {
          if (outcomes.has(roomId)) return;
          if (!stored[index]) {
            latest.delete(roomId);
            oneByOne.push(roomId);
            return;
          }
          remember(latest, next);
          announced.push(settle(outcomes, roomId, () => announcements.get(roomId)));
        });
        await Promise.all([
          ...announced,
          // Within the rows' turns, so a row's next revision is never announced before this one.
          Promise.allSettled(announcements.values()),
          ...oneByOne.map((roomId) =>
            rowsAtOnce(() =>
              settle(outcomes, roomId, () => {
                const room = byRoom.get(roomId)!;
                return this.apply(version, roomId, room, written);
              }),
            ),
          ),
        ]);
        return outcomes;
      },
    );
  }

  /** Resolves once the event's fact is in the row of `version` (and, if asked, its change announced). */
  projectInto(version: number, event: SourceEvent, { announce }: { announce: boolean }): Promise<void> {
    const fact = factOf(event);
    return this.enqueue(version, fact.roomId, [fact], [event], announce);
  }

  /** Joins the facts to those waiting for the row's next turn, or starts one. */
  private enqueue(
    version: number,
    roomId: string,
    facts: readonly DashboardFact[],
    events: readonly SourceEvent[],
    announce: boolean,
  ): Promise<void> {
    const key = `${version}:${roomId}:${announce}`;
    const waiting = this.waiting.get(key);
    if (waiting) {
      waiting.facts.push(...facts);
      waiting.events.push(...events);
      return waiting.applied;
    }
    const batch: Batch = {
      facts: [...facts],
      events: [...events],
      applied: this.turns.run(`${version}:${roomId}`, async () => {
        // From here on, later events of the room wait for the next turn.
        this.waiting.delete(key);
        await this.apply(
          version,
          roomId,
          batch,
          announce ? (...change) => this.announce(version, ...change) : undefined,
        );
      }),
    };
    this.waiting.set(key, batch);
    return batch.applied;
  }

  /** Applies the facts to the row as stored (read, decide, insert); tells `written` of its change, if given. */
  private async apply(version: number, roomId: string, batch: RoomEvents, written?: Written): Promise<void> {
    const { rows, commands, latest } = this.storeOf(version);
    const known = latest.get(roomId);
    latest.delete(roomId);
    const { state, changed } = await commands.handle(
      roomId,
      (row) => {
        const next = applyFacts(row, batch.facts);
        return next && { state: next, events: [] };
      },
      known,
    );
    // A change was copied by its save; a repeat may be what a crash interrupted before the copy.
    const { revision, view } = changed
      ? { revision: state.version, view: viewOf(state) }
      : await rows.materialize(roomId);
    if (changed) remember(latest, state);
    if (!written || !view) return;
    await written(roomId, revision, view.hostId, batch.events);
  }

  /** Signals a row's change, caused by the last of `events`. */
  private async announce(
    version: number,
    roomId: string,
    revision: number,
    hostId: string,
    events: readonly SourceEvent[],
  ): Promise<void> {
    const cause = events[events.length - 1];
    // Published before the events are acked; a repeat of a revision is dropped by the stream (same msgID).
    const { subject, ...signal } = DASHBOARD_SIGNALS.create('RoomDashboardChanged', {
      aggregateId: roomId,
      aggregateVersion: revision,
      causationId: cause.id,
      correlationId: cause.correlationId,
      data: { roomId, hostId },
    });
    await this.broker.jetstream.publish(subject, JSON.stringify(signal), {
      msgID: `dashboard-v${version}:${roomId}:${revision}`,
    });
  }

  private storeOf(version: number) {
    let store = this.stores.get(version);
    if (!store) {
      const rows = new RowStore(this.database, version);
      store = { rows, commands: new CommandHandler('RoomDashboard', rows, this.turns, 10), latest: new Map() };
      this.stores.set(version, store);
    }
    return store;
  }
}

/** Records how `work` ended as the room's outcome. */
async function settle(
  outcomes: Map<string, PromiseSettledResult<void>>,
  roomId: string,
  work: () => Promise<void> | undefined,
): Promise<void> {
  try {
    await work();
    outcomes.set(roomId, { status: 'fulfilled', value: undefined });
  } catch (reason) {
    outcomes.set(roomId, { status: 'rejected', reason });
  }
}

function remember(latest: Map<string, DashboardRow>, row: DashboardRow): void {
  latest.set(row.id, row);
  if (latest.size > REMEMBERED_ROWS) latest.delete(latest.keys().next().value!);
}
