import type { Identity } from '@roombook/kernel';
import type { RoomDependencies } from '../dependencies';
import { decideUpdate, type Room } from '../domain/room';
import { roomEvent } from '../events';

/** The host (or ADMIN) changes the listing; a change that changes nothing publishes nothing. */
export async function updateRoom(
  deps: RoomDependencies,
  identity: Identity,
  id: string,
  input: unknown,
): Promise<Room> {
  const { state } = await deps.commands.handle(id, (room) => {
    const change = decideUpdate(identity, room, input, deps.clock());
    return change && { state: change.room, events: [roomEvent('RoomUpdated', change.room, change.changed)] };
  });
  return state;
}
