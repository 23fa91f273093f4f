import { webcrypto } from 'node:crypto';
import { SignJWT, jwtVerify, type JWTPayload } from 'jose';
import { LRUCache } from 'lru-cache';
import { ANONYMOUS, USER_ROLES, type Identity, type UserRole } from './identity';

/**
 * Subgraphs trust only the router (and each other): every request to a subgraph carries this
 * short-lived token, signed with SUBGRAPH_SECRET, stating who the caller is. A made-up header
 * without a valid signature is rejected, so a subgraph never acts on an identity it cannot verify.
 * Each token is addressed to one service (its audience, the service's name) and refused by any
 * other: a token one subgraph received (and might log or leak) cannot be replayed to another.
 */
export const IDENTITY_HEADER = 'x-identity-token';
const ISSUER = 'roombook';
/** (identity, audience) pairs whose signed tokens are kept for reuse. */
const SIGNED_CACHE_SIZE = 10_000;
/** Tokens already verified, kept until they expire (about 3 MB when full). */
const VERIFIED_CACHE_SIZE = 10_000;

export class InvalidInternalToken extends Error {
  constructor(cause: unknown) {
    super('The request did not come through the router (missing or invalid identity token)', { cause });
    this.name = 'InvalidInternalToken';
  }
}

interface SignedToken {
  readonly token: string;
  /** ms since the epoch */
  readonly expiresAt: number;
}

interface VerifiedToken {
  readonly identity: Identity;
  /** ms since the epoch */
  readonly expiresAt: number;
}

/**
 * An HS256 secret as a WebCrypto key, imported once: jose imports a secret given as bytes again
 * for every signature and verification.
 */
export function hmacKey(secret: string): Promise<webcrypto.CryptoKey> {
  return webcrypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, [
    'sign',
    'verify',
  ]);
}

export class InternalTokens {
  private readonly key: Promise<webcrypto.CryptoKey>;
  private readonly signed = new LRUCache<string, SignedToken>({ max: SIGNED_CACHE_SIZE });
  /** The same tokens by identity object, for callers that ask for one identity many times (a plan's fetches). */
  private readonly signedByIdentity = new WeakMap<Identity, Map<string, SignedToken>>();
  private readonly verified = new LRUCache<string, VerifiedToken>({ max: VERIFIED_CACHE_SIZE });

  /**
   * `service`: who holds these tokens, the audience of those it verifies; `lifetimeSeconds`: how
   * long a token it signs is valid (a short life limits what a leaked token allows).
   */
  constructor(
    secret: string,
    readonly service = 'router',
    private readonly lifetimeSeconds = 60,
  ) {
    this.key = hmacKey(secret);
  }

  /**
   * The identity, for the service named `audience`: a token valid now and for at least half its
   * lifetime. Sign for every request (or every fetch of a plan): the same token is reused until
   * then, so a burst does not pay a signature each.
   */
  async sign(identity: Identity, audience: string): Promise<string> {
    const reusable = this.reusable(identity, audience);
    if (reusable !== undefined) return reusable;
    const key = `${audience}\n${JSON.stringify(identity)}`;
    let token = this.signed.get(key);
    if (!token || !this.fresh(token)) {
      token = await this.signAnew(identity, audience);
      this.signed.set(key, token);
    }
    let byAudience = this.signedByIdentity.get(identity);
    if (!byAudience) this.signedByIdentity.set(identity, (byAudience = new Map<string, SignedToken>()));
    byAudience.set(audience, token);
    return token.token;
  }

  /**
   * The token `sign` would return, when this identity object was signed for before and its token
   * is still fresh; otherwise undefined (then call `sign`). Synchronous: a router signs for each
   * fetch of a plan, and most of them would only wait a turn for a token it already has.
   */
  reusable(identity: Identity, audience: string): string | undefined {
    const token = this.signedByIdentity.get(identity)?.get(audience);
    return token && this.fresh(token) ? token.token : undefined;
  }

  /** Valid now and for at least half its lifetime. */
  private fresh(token: SignedToken): boolean {
    return token.expiresAt - Date.now() > (this.lifetimeSeconds * 1000) / 2;
  }

  private async signAnew(identity: Identity, audience: string): Promise<SignedToken> {
    const claims =
      identity.kind === 'user'
        ? { kind: 'user', roles: identity.roles }
        : identity.kind === 'service'
          ? { kind: 'service' }
          : { kind: 'anonymous' };
    // `exp` is in whole seconds: rounded up, so a token lives at least its lifetime.
    const expiresAtSeconds = Math.ceil(Date.now() / 1000) + this.lifetimeSeconds;
    const jwt = new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(ISSUER)
      .setAudience(audience)
      .setIssuedAt()
      .setExpirationTime(expiresAtSeconds);
    if (identity.kind === 'user') jwt.setSubject(identity.userId);
    if (identity.kind === 'service') jwt.setSubject(identity.service);
    return { token: await jwt.sign(await this.key), expiresAt: expiresAtSeconds * 1000 };
  }

  /**
   * The identity a token addressed to this service states; InvalidInternalToken for any other.
   * A token verified once is known until it expires: a burst of requests with the router's token
   * (reused for half its life) pays the HMAC and the JSON parsing once.
   */
  async verify(token: string | undefined): Promise<Identity> {
    if (!token) throw new InvalidInternalToken(new Error('no token'));
    const known = this.verified.get(token);
    // As jose decides: valid while now (whole seconds) < exp.
    if (known && Date.now() < known.expiresAt) return known.identity;
    if (known) this.verified.delete(token);
    const verified = await this.verifyAnew(token);
    this.verified.set(token, verified);
    return verified.identity;
  }

  private async verifyAnew(token: string): Promise<VerifiedToken> {
    try {
      const { payload } = await jwtVerify(token, await this.key, {
        issuer: ISSUER,
        audience: this.service,
        algorithms: ['HS256'],
        // A token without exp would be valid forever once leaked.
        requiredClaims: ['exp'],
      });
      // requiredClaims: exp is there.
      return { identity: identityOf(payload), expiresAt: payload.exp! * 1000 };
    } catch (error) {
      throw new InvalidInternalToken(error);
    }
  }
}

function identityOf(payload: JWTPayload): Identity {
  if (payload.kind === 'service' && payload.sub) return { kind: 'service', service: payload.sub };
  if (payload.kind === 'user' && payload.sub) {
    const roles = Array.isArray(payload.roles)
      ? payload.roles.filter((role): role is UserRole => USER_ROLES.includes(role as UserRole))
      : [];
    return { kind: 'user', userId: payload.sub, roles };
  }
  return ANONYMOUS;
}
