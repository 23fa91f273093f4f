import fs from 'node:fs';
import path from 'node:path';
import { USER_ROLES, hmacKey } from '@roombook/kernel';
import express, { type Router } from 'express';
import { SignJWT } from 'jose';
import { z } from 'zod';
import { DEV_JWT_SECRET, type RouterConfig } from './config';

/**
 * The guests' and hosts' app (client/, built by Vite into client/dist) at /, and what it needs
 * from the router besides /graphql: GET /app-config.json (how to sign in) and, for development
 * only, POST /dev/token. Each of the app's pages is its index.html (the app's own router shows the
 * page); any other path is not found, as before.
 */
export const DEFAULT_CLIENT_APP_DIR = path.join(__dirname, '..', '..', 'client', 'dist');

/** The app's pages (client/src/App.tsx routes them). */
const APP_PAGES = ['/', '/sign-in', '/rooms/*page', '/trips', '/trips/*page', '/host', '/host/*page'];

/** How long a development token lasts: a working day, never forever. */
const DEV_TOKEN_LIFETIME = '12h';

/**
 * The app loads only from this router, and talks only to it (HTTP and WebSocket). No inline
 * script: the build emits none.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self' ws: wss:",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const devTokenRequest = z.object({
  sub: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9._-]{1,60}$/, 'sub must be 1 to 60 letters, digits, dots, dashes or underscores'),
  roles: z.array(z.enum(USER_ROLES)).max(USER_ROLES.length).default(['GUEST']),
});

/**
 * POST /dev/token mints tokens for anyone who asks, so it exists only outside production, and only
 * where tokens are worth nothing elsewhere: with the development default JWT_SECRET (or when
 * DEV_SIGN_IN=true says so), and never when tokens come from a JWKS (which it could not sign for).
 */
export function devSignInEnabled(config: RouterConfig): boolean {
  if (config.NODE_ENV === 'production' || config.JWT_JWKS_URL) return false;
  return config.DEV_SIGN_IN ?? config.JWT_SECRET === DEV_JWT_SECRET;
}

export function clientAppRoutes(config: RouterConfig): Router {
  const routes = express.Router();
  const directory = config.CLIENT_APP_DIR ?? DEFAULT_CLIENT_APP_DIR;
  const devSignIn = devSignInEnabled(config);

  routes.get('/app-config.json', (_req, res) => {
    res.set('Cache-Control', 'no-store').json({ devSignIn, signInUrl: config.CLIENT_SIGN_IN_URL ?? null });
  });

  if (devSignIn) {
    const key = hmacKey(config.JWT_SECRET);
    routes.post('/dev/token', express.json({ limit: 1024 }), async (req, res) => {
      const parsed = devTokenRequest.safeParse(req.body);
      if (!parsed.success) {
        res.status(400).json({ error: parsed.error.issues.map((issue) => issue.message).join('; ') });
        return;
      }
      const token = await new SignJWT({ roles: parsed.data.roles })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(parsed.data.sub)
        .setIssuedAt()
        .setExpirationTime(DEV_TOKEN_LIFETIME)
        .sign(await key);
      res.set('Cache-Control', 'no-store').json({ token });
    });
  }

  // The old live page's address leads to the app's live dashboard.
  routes.get('/live', (_req, res) => res.redirect(302, '/host'));

  // Hashed file names: a new build is new URLs, so these may be cached for good.
  routes.use(
    '/assets',
    express.static(path.join(directory, 'assets'), {
      immutable: true,
      maxAge: '1y',
      fallthrough: false,
      dotfiles: 'allow',
    }),
  );
  // The app's icon (client/public/favicon.svg); browsers that ask for /favicon.ico by habit get it too.
  const favicon = path.join(directory, 'favicon.svg');
  routes.get('/favicon.svg', (_req, res) => {
    if (!fs.existsSync(favicon)) {
      res.status(404).end();
      return;
    }
    res.set('Cache-Control', 'public, max-age=86400').sendFile(favicon, { dotfiles: 'allow' });
  });
  routes.get('/favicon.ico', (_req, res) => res.redirect(301, '/favicon.svg'));

  const index = path.join(directory, 'index.html');
  routes.get(APP_PAGES, (_req, res) => {
    res.set('Content-Security-Policy', CONTENT_SECURITY_POLICY);
    res.set('Cache-Control', 'no-cache');
    if (!fs.existsSync(index)) {
      res
        .status(503)
        .type('text/plain')
        .send(`The client app is not built (no ${index}). Run: npm run build -w client\n`);
      return;
    }
    res.sendFile(index, { dotfiles: 'allow' });
  });
  return routes;
}
