/**
 * Who is using the app: a bearer token (a JWT from the router's development sign-in or from the
 * operator's identity provider) and what it says. The router verifies the token on every request;
 * the app only reads its claims to decide what to offer (a host's pages to a HOST).
 */
export type Role = 'GUEST' | 'HOST' | 'ADMIN';
export const ROLES: readonly Role[] = ['GUEST', 'HOST', 'ADMIN'];

export interface Session {
  readonly token: string;
  readonly userId: string;
  readonly roles: readonly Role[];
  /** Milliseconds since the epoch. */
  readonly expiresAt: number;
}

const STORAGE_KEY = 'roombook.token';

/** The claims of a JWT, unverified (the router verifies), or undefined when it is no usable token. */
export function sessionOf(token: string): Session | undefined {
  const part = token.split('.')[1];
  if (!part) return undefined;
  try {
    const json = atob(
      part
        .replace(/-/g, '+')
        .replace(/_/g, '/')
        .padEnd(Math.ceil(part.length / 4) * 4, '='),
    );
    const claims = JSON.parse(json) as { sub?: unknown; roles?: unknown; exp?: unknown };
    if (typeof claims.sub !== 'string' || typeof claims.exp !== 'number') return undefined;
    const roles = Array.isArray(claims.roles)
      ? claims.roles.filter((role: unknown): role is Role => ROLES.includes(role as Role))
      : [];
    return { token, userId: claims.sub, roles, expiresAt: claims.exp * 1000 };
  } catch {
    return undefined;
  }
}

export function isExpired(session: Session, now = Date.now()): boolean {
  return session.expiresAt <= now;
}

/** The token kept from a previous visit, or one an identity provider put in the URL's fragment (`#token=...`). */
export function restoreSession(): Session | undefined {
  const fromRedirect = new URLSearchParams(window.location.hash.slice(1)).get('token');
  if (fromRedirect) {
    // Out of the address bar and the history at once: a token is a password.
    window.history.replaceState(null, '', window.location.pathname + window.location.search);
    const session = sessionOf(fromRedirect);
    if (session) saveSession(session);
    return session;
  }
  const stored = window.localStorage.getItem(STORAGE_KEY);
  const session = stored ? sessionOf(stored) : undefined;
  return session && !isExpired(session) ? session : undefined;
}

export function saveSession(session: Session | undefined): void {
  if (session) window.localStorage.setItem(STORAGE_KEY, session.token);
  else window.localStorage.removeItem(STORAGE_KEY);
}

/** What the router tells the app about signing in (GET /app-config.json). */
export interface SignInOptions {
  /** The router mints development tokens at POST /dev/token (never in production). */
  readonly devSignIn: boolean;
  /** Where the operator's identity provider signs people in; it comes back with `#token=<JWT>`. */
  readonly signInUrl: string | null;
}

export async function fetchSignInOptions(): Promise<SignInOptions> {
  const response = await fetch('/app-config.json');
  if (!response.ok) return { devSignIn: false, signInUrl: null };
  return (await response.json()) as SignInOptions;
}

/** POST /dev/token: a token for any name and roles, signed by the router (outside production only). */
export async function developmentToken(userId: string, roles: readonly Role[]): Promise<string> {
  const response = await fetch('/dev/token', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ sub: userId, roles }),
  });
  const body = (await response.json().catch(() => ({}))) as { token?: string; error?: string };
  if (!response.ok || !body.token) throw new Error(body.error ?? `The router refused (HTTP ${response.status})`);
  return body.token;
}
