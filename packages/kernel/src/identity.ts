import { Forbidden, Unauthenticated } from './errors';

export const USER_ROLES = ['HOST', 'GUEST', 'ADMIN'] as const;
export type UserRole = (typeof USER_ROLES)[number];
/** SERVICE is never in a user's token: the router does not pass it on; only services mint it for each other. */
export type Role = UserRole | 'SERVICE';

export type Identity =
  | { readonly kind: 'anonymous' }
  | { readonly kind: 'user'; readonly userId: string; readonly roles: readonly UserRole[] }
  | { readonly kind: 'service'; readonly service: string };

export const ANONYMOUS: Identity = { kind: 'anonymous' };

export type User = Extract<Identity, { kind: 'user' }>;

export function requireUser(identity: Identity): User {
  if (identity.kind !== 'user') throw new Unauthenticated();
  return identity;
}

export function requireRole(identity: Identity, role: UserRole): User {
  const user = requireUser(identity);
  if (!user.roles.includes(role)) throw new Forbidden(`Role ${role} required`);
  return user;
}

export function isAdmin(identity: Identity): boolean {
  return identity.kind === 'user' && identity.roles.includes('ADMIN');
}
