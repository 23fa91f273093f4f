import { ANONYMOUS, USER_ROLES, Unauthenticated, hmacKey, type Identity, type UserRole } from '@roombook/kernel';
import type { Request, RequestHandler } from 'express';
import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyOptions } from 'jose';

/** A client token without exp would be valid forever once leaked: refused. */
const REQUIRED_CLAIMS: JWTVerifyOptions = { requiredClaims: ['exp'] };

/**
 * Verifies the client's bearer token. No token: anonymous. A token that is malformed, forged or
 * expired is UNAUTHENTICATED whatever the request asks for: a bad credential is never anonymous.
 */
export class UserAuthenticator {
  private readonly verify: (token: string) => Promise<JWTPayload>;

  constructor(options: { secret: string; jwksUrl?: string | undefined }) {
    if (options.jwksUrl) {
      const keys = createRemoteJWKSet(new URL(options.jwksUrl));
      this.verify = async (token) =>
        (await jwtVerify(token, keys, { ...REQUIRED_CLAIMS, algorithms: ['RS256'] })).payload;
    } else {
      const key = hmacKey(options.secret);
      this.verify = async (token) =>
        (await jwtVerify(token, await key, { ...REQUIRED_CLAIMS, algorithms: ['HS256'] })).payload;
    }
  }

  async identify(authorization: string | undefined): Promise<Identity> {
    return (await this.authenticate(authorization)).identity;
  }

  /** The identity, and when its token expires (ms since the epoch; null: no token). */
  async authenticate(authorization: string | undefined): Promise<AuthenticatedCaller> {
    if (authorization === undefined || authorization.trim() === '') return { identity: ANONYMOUS, expiresAt: null };
    const match = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
    if (!match) throw new Unauthenticated('Authorization must be "Bearer <token>"');
    let payload: JWTPayload;
    try {
      payload = await this.verify(match[1]);
    } catch (error) {
      throw new Unauthenticated(
        error instanceof errors.JWTExpired
          ? 'The token has expired'
          : error instanceof errors.JWTClaimValidationFailed && error.claim === 'exp'
            ? 'The token has no expiry (exp)'
            : 'The token is invalid (malformed or wrong signature)',
      );
    }
    if (typeof payload.sub !== 'string' || payload.sub === '')
      throw new Unauthenticated('The token has no subject (sub)');
    const roles = Array.isArray(payload.roles) ? payload.roles : [];
    return {
      identity: {
        kind: 'user',
        userId: payload.sub,
        roles: roles.filter((role): role is UserRole => USER_ROLES.includes(role as UserRole)),
      },
      expiresAt: typeof payload.exp === 'number' ? payload.exp * 1000 : null,
    };
  }
}

export interface AuthenticatedCaller {
  readonly identity: Identity;
  /** When its token expires (ms since the epoch; null: no token). */
  readonly expiresAt: number | null;
}

const callers = new WeakMap<Request, Promise<AuthenticatedCaller>>();

/**
 * The request path's step 4: the caller's token verified once per request; the steps after it
 * (rate limits, the operation's context) read the outcome with `callerOf`. A bad token rejects
 * that promise: each step decides what it means for it.
 */
export function identifyCaller(authenticator: UserAuthenticator): RequestHandler {
  return (req, _res, next) => {
    const caller = authenticator.authenticate(req.header('authorization'));
    caller.catch(() => undefined); // Handled by whichever step reads it.
    callers.set(req, caller);
    next();
  };
}

/** The caller's identity as `identifyCaller` verified it (verified now when that step did not run). */
export async function callerOf(req: Request, authenticator: UserAuthenticator): Promise<Identity> {
  return (await authenticatedCallerOf(req, authenticator)).identity;
}

/** The same, with when its token expires: a subscription stream ends then. */
export function authenticatedCallerOf(req: Request, authenticator: UserAuthenticator): Promise<AuthenticatedCaller> {
  return callers.get(req) ?? authenticator.authenticate(req.header('authorization'));
}
