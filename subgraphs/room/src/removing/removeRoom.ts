import type { Identity } from '@roombook/kernel';
import type { RoomDependencies } from '../dependencies';
import { decideRemoval, type Room } from '../domain/room';
import { roomEvent } from '../events';

/** The host (or ADMIN) withdraws the room; reservation cancels its upcoming bookings from the event. */
export async function removeRoom(deps: RoomDependencies, identity: Identity, id: string): Promise<Room> {
  const { state } = await deps.commands.handle(id, (room) => {
    const removed = decideRemoval(identity, room, deps.clock());
    return removed && { state: removed, events: [roomEvent('RoomRemoved', removed)] };
  });
  return state;
}
