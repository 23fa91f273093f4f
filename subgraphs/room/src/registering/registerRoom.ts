import type { Identity } from '@roombook/kernel';
import type { RoomDependencies } from '../dependencies';
import { decideRegistration, type Room } from '../domain/room';
import { roomEvent } from '../events';

/** A HOST lists a room; they become its host. */
export async function registerRoom(deps: RoomDependencies, identity: Identity, input: unknown): Promise<Room> {
  const room = decideRegistration(identity, input, deps.rooms.newId(), deps.clock());
  await deps.rooms.insert(room, [roomEvent('RoomRegistered', room)]);
  return room;
}
