import { DASHBOARD_SIGNALS } from '@roombook/contracts';
import { AggregateLock, CommandHandler, type Broker } from '@roombook/kernel';
import type { Connection } from 'mongoose';
import { applyFacts, viewOf, type DashboardFact, type DashboardRow } from '../domain/roomDashboard';
import type { ProjectionVersionRegistry } from '../projectionVersions';
import { RowStore } from '../rowStore';
import { factOf, type SourceEvent } from './facts';

/** Facts waiting for their row's turn, and the events they came from. */
interface Batch {
  readonly facts: DashboardFact[];
  readonly events: SourceEvent[];
  readonly applied: Promise<void>;
}

/**
 * Applies events to the read model: to the active version, and to a version being rebuilt if
 * there is one. Exactness lives in the row (see applyFacts and RowStore): a fact is applied in the
 * same insert that records it, so a repeat, a redelivery after a crash, or an event that comes
 * late leaves the row as if each event had been applied once, in order.
 *
 * Events of one room that arrive while its row is being changed wait, and are applied together
 * in the row's next revision: under load a row costs one revision per turn, not one per event.
 */
export class DashboardProjection {
  private readonly stores = new Map<number, { rows: RowStore; commands: CommandHandler<DashboardRow> }>();
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
    const { active, building } = await this.versions.recent();
    await this.projectInto(active, event, { announce: true });
    if (building !== null) await this.projectInto(building, event, { announce: false });
  }

  /** Resolves once the event's fact is in the row of `version` (and, if asked, its change announced). */
  projectInto(version: number, event: SourceEvent, { announce }: { announce: boolean }): Promise<void> {
    const fact = factOf(event);
    const key = `${version}:${fact.roomId}`;
    const waiting = this.waiting.get(key);
    if (waiting) {
      waiting.facts.push(fact);
      waiting.events.push(event);
      return waiting.applied;
    }
    const batch: Batch = {
      facts: [fact],
      events: [event],
      applied: this.turns.run(key, async () => {
        // From here on, later events of the room wait for the next turn.
        this.waiting.delete(key);
        await this.apply(version, fact.roomId, batch, announce);
      }),
    };
    this.waiting.set(key, batch);
    return batch.applied;
  }

  private async apply(version: number, roomId: string, batch: Batch, announce: boolean): Promise<void> {
    const { rows, commands } = this.storeOf(version);
    const { state, changed } = await commands.handle(roomId, (row) => {
      const next = applyFacts(row, batch.facts);
      return next && { state: next, events: [] };
    });
    // A change was copied by its save; a repeat may be what a crash interrupted before the copy.
    const { revision, view } = changed
      ? { revision: state.version, view: viewOf(state) }
      : await rows.materialize(roomId);
    if (!announce || !view) return;
    const cause = batch.events[batch.events.length - 1];
    // Published before the events are acked; a repeat of a revision is dropped by the stream (same msgID).
    const { subject, ...signal } = DASHBOARD_SIGNALS.create('RoomDashboardChanged', {
      aggregateId: roomId,
      aggregateVersion: revision,
      causationId: cause.id,
      correlationId: cause.correlationId,
      data: { roomId, hostId: view.hostId },
    });
    await this.broker.jetstream.publish(subject, JSON.stringify(signal), {
      msgID: `dashboard-v${version}:${roomId}:${revision}`,
    });
  }

  private storeOf(version: number) {
    let store = this.stores.get(version);
    if (!store) {
      const rows = new RowStore(this.database, version);
      store = { rows, commands: new CommandHandler('RoomDashboard', rows, this.turns, 10) };
      this.stores.set(version, store);
    }
    return store;
  }
}
