import { isAdmin, type Identity } from '@roombook/kernel/domain';

/** What a live event tells about the entity it changed: enough to filter and to check access without asking anyone. */
export interface LiveEvent {
  /** Which subscription field it feeds. */
  readonly field: LiveFieldName;
  /** The entity the subscriber's selection is resolved on. */
  readonly entityId: string;
  readonly roomId: string | null;
  readonly reservationId: string | null;
  /** Who may see it: the reservation's guest, the room's host (null for rooms: public). */
  readonly guestId: string | null;
  readonly hostId: string | null;
  /** The domain event (or signal) it came from, for logs and traces. */
  readonly eventId: string;
  /** Where it is in the event log (a cursor names it), and when it was stored there (ms). */
  readonly stream: string;
  readonly sequence: number;
  readonly time: number;
}

export type LiveFieldName = 'roomChanged' | 'reservationStatusChanged' | 'paymentStatusChanged' | 'dashboardUpdated';

/** The arguments of a subscription field (all optional: "all the caller may see"). */
export interface LiveArguments {
  readonly reservationId?: string | null;
  readonly roomId?: string | null;
}

export interface LiveField {
  readonly name: LiveFieldName;
  /** How the payload is read: `<query field>(<argument>: <entity id>)` through the gateway, with the client's selection. */
  readonly entity: { readonly queryField: string; readonly argument: string };
  /** Why a caller may not subscribe at all, or null when they may. */
  refusal(identity: Identity): { readonly code: 'UNAUTHENTICATED' | 'FORBIDDEN'; readonly message: string } | null;
  /** Whether the event is one the arguments ask for. */
  matches(event: LiveEvent, args: LiveArguments): boolean;
  /** Checked for every event: the caller receives only what they may see. */
  maySee(identity: Identity, event: LiveEvent): boolean;
}

const SIGN_IN = {
  code: 'UNAUTHENTICATED',
  message: 'Sign in to subscribe to this (connection_init payload: { "authorization": "Bearer <token>" })',
} as const;

const matchesRoom = (event: LiveEvent, args: LiveArguments) => !args.roomId || event.roomId === args.roomId;
const matchesReservation = (event: LiveEvent, args: LiveArguments) =>
  !args.reservationId || event.reservationId === args.reservationId;

/** The reservation's guest, the room's host and ADMIN, as for queries. */
function isPartyOrAdmin(identity: Identity, event: LiveEvent): boolean {
  if (identity.kind !== 'user') return false;
  return isAdmin(identity) || identity.userId === event.guestId || identity.userId === event.hostId;
}

export const LIVE_FIELDS: Readonly<Record<LiveFieldName, LiveField>> = {
  roomChanged: {
    name: 'roomChanged',
    entity: { queryField: 'room', argument: 'id' },
    refusal: () => null,
    matches: matchesRoom,
    maySee: () => true,
  },
  reservationStatusChanged: {
    name: 'reservationStatusChanged',
    entity: { queryField: 'reservation', argument: 'id' },
    refusal: (identity) => (identity.kind === 'user' ? null : SIGN_IN),
    matches: (event, args) => matchesRoom(event, args) && matchesReservation(event, args),
    maySee: isPartyOrAdmin,
  },
  paymentStatusChanged: {
    name: 'paymentStatusChanged',
    entity: { queryField: 'payment', argument: 'id' },
    refusal: (identity) => (identity.kind === 'user' ? null : SIGN_IN),
    matches: matchesReservation,
    maySee: isPartyOrAdmin,
  },
  dashboardUpdated: {
    name: 'dashboardUpdated',
    entity: { queryField: 'roomDashboard', argument: 'roomId' },
    refusal: (identity) => {
      if (identity.kind !== 'user') return SIGN_IN;
      if (isAdmin(identity) || identity.roles.includes('HOST')) return null;
      return { code: 'FORBIDDEN', message: 'dashboardUpdated is for hosts (their own rooms) and ADMIN' };
    },
    matches: matchesRoom,
    maySee: (identity, event) => identity.kind === 'user' && (isAdmin(identity) || identity.userId === event.hostId),
  },
};

export function isLiveField(name: string): name is LiveFieldName {
  return Object.hasOwn(LIVE_FIELDS, name);
}
