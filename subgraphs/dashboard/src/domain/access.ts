import { Forbidden, isAdmin, requireUser, type Identity, type User } from '@roombook/kernel/domain';

/** Hosts see the rows of their own rooms; ADMIN sees every row. */
function assertHostOrAdmin(identity: Identity): User {
  const user = requireUser(identity);
  if (!isAdmin(user) && !user.roles.includes('HOST')) {
    throw new Forbidden('The dashboard is for hosts (their own rooms) and ADMIN');
  }
  return user;
}

/** roomDashboard(roomId): the room's host or ADMIN; FORBIDDEN for anyone else who is signed in. */
export function assertMaySeeRow(identity: Identity, row: { readonly roomId: string; readonly hostId: string }): void {
  const user = assertHostOrAdmin(identity);
  if (!isAdmin(user) && row.hostId !== user.userId) {
    throw new Forbidden(`Only the host of room ${row.roomId} or an ADMIN may see its dashboard`);
  }
}

/** Checked before looking anything up, so a guest learns nothing of which rooms exist. */
export function assertMayUseDashboard(identity: Identity): void {
  assertHostOrAdmin(identity);
}

/** Room.dashboard: the same rule, but null rather than an error for whoever may not see it. */
export function maySeeRow(identity: Identity, row: { readonly hostId: string }): boolean {
  return identity.kind === 'user' && (isAdmin(identity) || row.hostId === identity.userId);
}

/** The host filter a dashboard(filter) query runs with: a HOST's own rooms, whatever else ADMIN asks for. */
export function hostScope(identity: Identity, requestedHostId: string | null | undefined): string | null {
  const user = assertHostOrAdmin(identity);
  if (isAdmin(user)) return requestedHostId ?? null;
  if (requestedHostId && requestedHostId !== user.userId) {
    throw new Forbidden(`filter.hostId: a HOST sees only the rows of their own rooms, not those of ${requestedHostId}`);
  }
  return user.userId;
}

/** dashboardProjection: operators of the platform (ADMIN), as the router's platformOperator policy says; checked here again. */
export function assertPlatformOperator(identity: Identity): void {
  const user = requireUser(identity);
  if (!isAdmin(user)) throw new Forbidden('Query.dashboardProjection: operators of the platform (ADMIN) only');
}
