import type { RoomSnapshot } from '@roombook/contracts';
import { Replica, ServiceUnavailable, type AggregateLock, type Logger, type ServiceClient } from '@roombook/kernel';
import type { Connection } from 'mongoose';
import type { BookableRoom } from './domain/reservation';

/** What this context keeps of a room: enough to book it while the room service is down. */
export interface RoomFacts extends BookableRoom {
  /** The room's own updatedAt: the replica only ever moves forward by it. */
  readonly updatedAt: string;
}

const ROOM_QUERY = `query RoomFacts($id: ID!) { room(id: $id) { id hostId capacity pricePerNight { amount currency } status updatedAt } }`;

/**
 * Room facts from the local replica (fed by room events); a room the replica does not know yet
 * (registered a moment ago) is asked of the room subgraph once, with a deadline, and kept.
 */
export class RoomDirectory {
  private readonly replicas: Replica<RoomFacts>;

  constructor(
    database: Connection,
    private readonly client: ServiceClient,
    private readonly roomUrl: string,
    private readonly timeoutMs: number,
    private readonly log: Logger,
    lock: AggregateLock,
  ) {
    this.replicas = new Replica<RoomFacts>(database, 'room_replicas', 'updatedAt', lock);
  }

  async find(roomId: string): Promise<RoomFacts | null> {
    const replica = await this.replicas.find(roomId);
    if (replica) return replica;
    let fetched: { room: RoomFacts | null };
    try {
      fetched = await this.client.graphql<{ room: RoomFacts | null }>(
        'room',
        this.roomUrl,
        ROOM_QUERY,
        { id: roomId },
        this.timeoutMs,
      );
    } catch (error) {
      this.log.warn({ err: error, roomId }, 'room service did not answer for a room the replica does not know');
      throw new ServiceUnavailable(
        `Room ${roomId} is not known here yet and the room service did not answer; retry later`,
      );
    }
    if (fetched.room) await this.apply(fetched.room);
    return fetched.room;
  }

  /** Applies facts unless the replica already holds newer ones (events may arrive after a direct fetch). */
  apply(facts: RoomFacts): Promise<void> {
    return this.replicas.apply(facts);
  }
}

/** What this context keeps of a room event's snapshot. */
export function roomFactsOf(room: RoomSnapshot): RoomFacts {
  const { id, hostId, capacity, pricePerNight, status, updatedAt } = room;
  return { id, hostId, capacity, pricePerNight, status, updatedAt };
}
