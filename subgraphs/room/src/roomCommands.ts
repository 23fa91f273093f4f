import { NotFound, type AggregateLock, type Identity } from '@roombook/kernel';
import { registerRoom, removeRoom, updateRoom, type Room } from './domain/room';
import { roomEvent } from './events';
import type { RoomStore } from './roomStore';

const MAX_ATTEMPTS = 5;

/** The room use cases: load, decide (pure domain), store the new state with its event. */
export class RoomCommands {
  constructor(
    private readonly store: RoomStore,
    private readonly lock: AggregateLock,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async register(identity: Identity, input: unknown): Promise<Room> {
    const room = registerRoom(identity, input, this.store.newId(), this.clock());
    await this.store.insert(room, roomEvent('RoomRegistered', room));
    return room;
  }

  async update(identity: Identity, id: string, input: unknown): Promise<Room> {
    return this.change(id, (room) => {
      const change = updateRoom(identity, room, input, this.clock());
      return change && { room: change.room, event: roomEvent('RoomUpdated', change.room, change.changed) };
    });
  }

  async remove(identity: Identity, id: string): Promise<Room> {
    return this.change(id, (room) => {
      const removed = removeRoom(identity, room, this.clock());
      return removed && { room: removed, event: roomEvent('RoomRemoved', removed) };
    });
  }

  /** Retries the decision when a concurrent change won the optimistic version check. */
  private async change(id: string, decide: (room: Room) => { room: Room; event: ReturnType<typeof roomEvent> } | null) {
    return this.lock.run(id, async () => {
      for (let attempt = 1; ; attempt += 1) {
        const current = await this.store.findById(id);
        if (!current) throw new NotFound('Room', id, 'id');
        const decision = decide(current);
        if (!decision) return current;
        if (await this.store.replace(decision.room, current.version, decision.event)) return decision.room;
        if (attempt >= MAX_ATTEMPTS) throw new Error(`Room ${id} kept changing concurrently`);
      }
    });
  }
}
