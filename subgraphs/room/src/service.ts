import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSubgraph, type RunningService } from '@roombook/kernel';
import { parse } from 'graphql';
import type { RoomConfig } from './config';
import { roomResolvers } from './resolvers';
import { RoomCommands } from './roomCommands';
import { RoomStore } from './roomStore';

export const ROOM_SCHEMA_PATH = join(__dirname, '..', 'schema.graphql');

/** Composition root of the room subgraph (used by main.ts and by in-process tests). */
export function startRoomService(config: RoomConfig): Promise<RunningService> {
  return startSubgraph('room', config, ({ database, outbox, aggregateLock }) => {
    const store = new RoomStore(database, outbox);
    return {
      typeDefs: parse(readFileSync(ROOM_SCHEMA_PATH, 'utf8')),
      resolvers: roomResolvers(store, new RoomCommands(store, aggregateLock)),
    };
  });
}
