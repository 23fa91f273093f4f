import type { RoomSnapshot } from '@roombook/contracts';
import {
  ServiceUnavailable,
  isDuplicateKeyError,
  type AggregateLock,
  type Logger,
  type ServiceClient,
} from '@roombook/kernel';
import { Schema, type Connection, type Model } from 'mongoose';
import type { BookableRoom } from './domain/reservation';

/** What this context keeps of a room: enough to book it while the room service is down. */
export interface RoomFacts extends BookableRoom {
  /** The room's own updatedAt: a replica only ever moves forward. */
  readonly updatedAt: string;
}

interface RoomReplicaDocument extends Omit<RoomFacts, 'id'> {
  _id: string;
}

const roomReplicaSchema = new Schema<RoomReplicaDocument>(
  {
    _id: { type: String, required: true },
    hostId: { type: String, required: true },
    capacity: { type: Number, required: true },
    pricePerNight: { amount: { type: Number, required: true }, currency: { type: String, required: true } },
    status: { type: String, required: true },
    updatedAt: { type: String, required: true },
  },
  { collection: 'room_replicas', versionKey: false },
);

const ROOM_QUERY = `query RoomFacts($id: ID!) { room(id: $id) { id hostId capacity pricePerNight { amount currency } status updatedAt } }`;

/**
 * Room facts from the local replica (fed by room events); a room the replica does not know yet
 * (registered a moment ago) is asked of the room subgraph once, with a deadline, and kept.
 */
export class RoomDirectory {
  private readonly replicas: Model<RoomReplicaDocument>;

  constructor(
    database: Connection,
    private readonly client: ServiceClient,
    private readonly roomUrl: string,
    private readonly timeoutMs: number,
    private readonly log: Logger,
    private readonly lock: AggregateLock,
  ) {
    this.replicas = database.model<RoomReplicaDocument>('RoomReplica', roomReplicaSchema);
  }

  async find(roomId: string): Promise<RoomFacts | null> {
    const replica = await this.replicas.findById(roomId).lean<RoomReplicaDocument>();
    if (replica) return toFacts(replica);
    let fetched: { room: RoomFacts | null };
    try {
      fetched = await this.client.graphql<{ room: RoomFacts | null }>(
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
  async apply(facts: RoomFacts): Promise<void> {
    const { id, ...fields } = facts;
    // The room-event consumer and a direct fetch may apply facts of one room at once (see AggregateLock).
    await this.lock.run(`room-replica:${id}`, async () => {
      try {
        await this.replicas.updateOne(
          { _id: id, updatedAt: { $lte: facts.updatedAt } },
          { $set: fields },
          { upsert: true },
        );
      } catch (error) {
        // The upsert collided with a newer replica document: nothing to do.
        if (!isDuplicateKeyError(error)) throw error;
      }
    });
  }
}

/** What this context keeps of a room event's snapshot. */
export function roomFactsOf(room: RoomSnapshot): RoomFacts {
  const { id, hostId, capacity, pricePerNight, status, updatedAt } = room;
  return { id, hostId, capacity, pricePerNight, status, updatedAt };
}

function toFacts(document: RoomReplicaDocument): RoomFacts {
  const { _id, ...facts } = document;
  return { id: _id, ...facts };
}
