import { SignJWT, jwtVerify } from 'jose';
import { ANONYMOUS, USER_ROLES, type Identity, type UserRole } from './identity';

/**
 * Subgraphs trust only the router (and each other): every request to a subgraph carries this
 * short-lived token, signed with SUBGRAPH_SECRET, stating who the caller is. A made-up header
 * without a valid signature is rejected, so a subgraph never acts on an identity it cannot verify.
 */
export const IDENTITY_HEADER = 'x-identity-token';
const ISSUER = 'roombook';
const AUDIENCE = 'roombook-subgraph';
const LIFETIME = '60s';

export class InvalidInternalToken extends Error {
  constructor(cause: unknown) {
    super('The request did not come through the router (missing or invalid identity token)', { cause });
    this.name = 'InvalidInternalToken';
  }
}

export class InternalTokens {
  private readonly key: Uint8Array;

  constructor(secret: string) {
    this.key = new TextEncoder().encode(secret);
  }

  async sign(identity: Identity): Promise<string> {
    const claims =
      identity.kind === 'user'
        ? { kind: 'user', roles: identity.roles }
        : identity.kind === 'service'
          ? { kind: 'service' }
          : { kind: 'anonymous' };
    const jwt = new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(LIFETIME);
    if (identity.kind === 'user') jwt.setSubject(identity.userId);
    if (identity.kind === 'service') jwt.setSubject(identity.service);
    return jwt.sign(this.key);
  }

  async verify(token: string | undefined): Promise<Identity> {
    if (!token) throw new InvalidInternalToken(new Error('no token'));
    try {
      const { payload } = await jwtVerify(token, this.key, {
        issuer: ISSUER,
        audience: AUDIENCE,
        algorithms: ['HS256'],
      });
      if (payload.kind === 'service' && payload.sub) return { kind: 'service', service: payload.sub };
      if (payload.kind === 'user' && payload.sub) {
        const roles = Array.isArray(payload.roles)
          ? payload.roles.filter((role): role is UserRole => USER_ROLES.includes(role as UserRole))
          : [];
        return { kind: 'user', userId: payload.sub, roles };
      }
      return ANONYMOUS;
    } catch (error) {
      throw new InvalidInternalToken(error);
    }
  }
}
