import { join } from 'node:path';
import { CommandHandler, readSubgraphSchema, startSubgraph, systemClock, type RunningService } from '@roombook/kernel';
import type { RoomConfig } from './config';
import type { RoomDependencies } from './dependencies';
import { roomResolvers } from './resolvers';
import { RoomStore } from './roomStore';
import { roomWarmUp } from './warmingUp/roomWarmUp';

export const ROOM_SCHEMA_PATH = join(__dirname, '..', 'schema.graphql');

/** Composition root of the room subgraph (used by main.ts and by in-process tests). */
export function startRoomService(config: RoomConfig): Promise<RunningService> {
  return startSubgraph('room', config, ({ database, outbox, aggregateLock }) => {
    const rooms = new RoomStore(database, outbox);
    const deps: RoomDependencies = {
      rooms,
      commands: new CommandHandler('Room', rooms, aggregateLock),
      clock: systemClock,
    };
    return {
      typeDefs: readSubgraphSchema(ROOM_SCHEMA_PATH),
      resolvers: roomResolvers(deps),
      warmUp: roomWarmUp(),
    };
  });
}
