import { ROOM_EVENTS } from '@roombook/contracts';
import { publishEvents } from '../../subgraphs/dashboard/test/eventHistory';
import type { TestSystem } from './system';

/**
 * A subscription to one room's changes that reads its description 60 times: with a room of a long
 * description, ~120 kB a payload, so a client that reads nothing fills its socket buffers within
 * tens of events (the slow-client tests of every transport).
 */
export const HEAVY_ROOM_CHANGED = `subscription($roomId: ID) { roomChanged(roomId: $roomId) { ${Array.from({ length: 60 }, (_, i) => `d${i}: description`).join(' ')} } }`;

/**
 * Publishes `count` renames of a room straight to its stream, as the room service would, and
 * returns how many: every one reads back the same room, since the room service never saw them.
 */
export async function publishRoomRenames(system: TestSystem, roomId: string, count: number): Promise<number> {
  const room = (
    await system.graphql(
      `query($id: ID!) { room(id: $id) { id hostId name description city capacity pricePerNight { amount currency } amenities status createdAt updatedAt } }`,
      { id: roomId },
    )
  ).data!.room;
  const updates = Array.from({ length: count }, (_, index) =>
    ROOM_EVENTS.create('RoomUpdated', {
      aggregateId: roomId,
      aggregateVersion: 2 + index,
      data: { room: { ...room, name: `Name ${index}` } },
    }),
  );
  await publishEvents(system.nats.url, updates);
  return updates.length;
}
