import type { RoomStatus } from '@roombook/contracts';
import {
  Forbidden,
  InvalidState,
  isAdmin,
  requireRole,
  requireUser,
  type Identity,
  type User,
  type Versioned,
} from '@roombook/kernel/domain';
import { parseRegistration, parseUpdate, type RoomListing, type RoomListingChanges } from './listingRules';

export interface Room extends RoomListing, Versioned {
  readonly hostId: string;
  readonly status: RoomStatus;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export function decideRegistration(identity: Identity, input: unknown, id: string, now: Date): Room {
  const host = requireRole(identity, 'HOST');
  return {
    id,
    hostId: host.userId,
    ...parseRegistration(input),
    status: 'ACTIVE',
    createdAt: now,
    updatedAt: now,
    version: 1,
  };
}

export type RoomChange = { readonly room: Room; readonly changed: readonly (keyof RoomListingChanges)[] };

/** Null when the input changes nothing, so no event is published for it. */
export function decideUpdate(identity: Identity, room: Room, input: unknown, now: Date): RoomChange | null {
  assertManager(identity, room);
  if (room.status === 'REMOVED') throw new InvalidState(`Room ${room.id} is REMOVED and can no longer be updated`);
  const changes = parseUpdate(input);
  const changed = (Object.keys(changes) as (keyof RoomListingChanges)[]).filter(
    (field) => JSON.stringify(changes[field]) !== JSON.stringify(room[field]),
  );
  if (changed.length === 0) return null;
  return { room: { ...room, ...changes, updatedAt: now, version: room.version + 1 }, changed };
}

/** Null when the room is already removed: removing twice is harmless. */
export function decideRemoval(identity: Identity, room: Room, now: Date): Room | null {
  assertManager(identity, room);
  if (room.status === 'REMOVED') return null;
  return { ...room, status: 'REMOVED', updatedAt: now, version: room.version + 1 };
}

function assertManager(identity: Identity, room: Room): User {
  const user = requireUser(identity);
  if (user.userId !== room.hostId && !isAdmin(user)) {
    throw new Forbidden(`Only the room's host or an ADMIN may change room ${room.id}`);
  }
  return user;
}
