import { SignJWT } from 'jose';
import { DEV_JWT_SECRET } from '../../router/src/config';

export type TestRole = 'HOST' | 'GUEST' | 'ADMIN';

/** A client token as `npm run token` makes it (HS256 with the router's JWT_SECRET). */
export function tokenFor(
  sub: string,
  roles: readonly TestRole[],
  /** `expiresAt: null`: a token without `exp`, which no one should accept. */
  options: { secret?: string; expiresAt?: number | null } = {},
): Promise<string> {
  const jwt = new SignJWT({ roles }).setProtectedHeader({ alg: 'HS256' }).setSubject(sub).setIssuedAt();
  if (options.expiresAt !== null) jwt.setExpirationTime(options.expiresAt ?? '1h');
  return jwt.sign(new TextEncoder().encode(options.secret ?? DEV_JWT_SECRET));
}
