import type { Clock, CommandHandler } from '@roombook/kernel';
import type { Room } from './domain/room';
import type { RoomStore } from './roomStore';

/** What the room use cases work with; service.ts builds it, tests may build their own. */
export interface RoomDependencies {
  readonly rooms: RoomStore;
  readonly commands: CommandHandler<Room>;
  readonly clock: Clock;
}
