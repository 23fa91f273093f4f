/**
 * What the router serves for the client app besides /graphql: the app's pages and assets, how to
 * sign in (GET /app-config.json), and development sign-in (POST /dev/token), which exists only
 * outside production and only where its tokens are worth nothing elsewhere.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { RunningService } from '@roombook/kernel';
import { jwtVerify } from 'jose';
import { startSystem, type TestSystem } from '../../test/support/system';
import { DEV_JWT_SECRET, configSchema } from '../src/config';
import { startRouter } from '../src/server';

const STAGING_SECRET = 'a-staging-secret-of-at-least-32-characters';

/** A stand-in for `npm run build -w client`'s output: what the router serves is the files, whatever they say. */
const appDirectory = fs.mkdtempSync(path.join(os.tmpdir(), 'roombook-app-'));
fs.mkdirSync(path.join(appDirectory, 'assets'));
fs.writeFileSync(path.join(appDirectory, 'index.html'), '<!doctype html><title>Roombook</title>');
fs.writeFileSync(path.join(appDirectory, 'assets', 'index-abc123.js'), 'console.log("app")');
fs.copyFileSync(
  path.join(__dirname, '..', '..', 'client', 'public', 'favicon.svg'),
  path.join(appDirectory, 'favicon.svg'),
);

const routers: RunningService[] = [];
async function routerWith(environment: Record<string, string>): Promise<string> {
  const router = await startRouter(
    configSchema.parse({ PORT: '0', LOG_LEVEL: 'silent', CLIENT_APP_DIR: appDirectory, ...environment }),
  );
  routers.push(router);
  return new URL('/', router.url).href;
}

let system: TestSystem;
beforeAll(async () => {
  system = await startSystem(['room'], { router: { CLIENT_APP_DIR: appDirectory } });
});
afterAll(async () => {
  await Promise.all(routers.map((router) => router.stop()));
  await system?.stop();
  fs.rmSync(appDirectory, { recursive: true, force: true });
});

const devToken = (base: string, body: unknown) =>
  fetch(new URL('/dev/token', base), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

it('signs a development token the router then accepts, with the name and roles asked for and an expiry', async () => {
  const base = new URL('/', system.routerUrl).href;
  expect(await (await fetch(new URL('/app-config.json', base))).json()).toEqual({ devSignIn: true, signInUrl: null });

  const response = await devToken(base, { sub: 'alice', roles: ['GUEST', 'HOST'] });
  expect(response.status).toBe(200);
  const { token } = (await response.json()) as { token: string };
  const { payload } = await jwtVerify(token, new TextEncoder().encode(DEV_JWT_SECRET));
  expect(payload).toMatchObject({ sub: 'alice', roles: ['GUEST', 'HOST'] });
  expect(payload.exp! * 1000).toBeGreaterThan(Date.now());
  const answer = await system.graphql('{ rooms(first: 1) { edges { node { id } } } }', {}, token);
  expect(answer.errors).toBeUndefined();
});

it('refuses a development token request it cannot honour, saying why', async () => {
  const base = new URL('/', system.routerUrl).href;
  const badName = await devToken(base, { sub: 'alice smith<script>', roles: ['GUEST'] });
  expect(badName.status).toBe(400);
  expect(((await badName.json()) as { error: string }).error).toMatch(/sub must be/);
  const badRole = await devToken(base, { sub: 'alice', roles: ['ROOT'] });
  expect(badRole.status).toBe(400);
});

it('mints no token with a real secret unless DEV_SIGN_IN=true, and never in production', async () => {
  const staging = await routerWith({ NODE_ENV: 'development', JWT_SECRET: STAGING_SECRET });
  expect((await devToken(staging, { sub: 'mallory', roles: ['ADMIN'] })).status).toBe(404);
  expect(await (await fetch(new URL('/app-config.json', staging))).json()).toMatchObject({ devSignIn: false });

  const optedIn = await routerWith({ NODE_ENV: 'development', JWT_SECRET: STAGING_SECRET, DEV_SIGN_IN: 'true' });
  const { token } = (await (await devToken(optedIn, { sub: 'dana', roles: ['HOST'] })).json()) as { token: string };
  await expect(jwtVerify(token, new TextEncoder().encode(STAGING_SECRET))).resolves.toBeDefined();

  const production = await routerWith({
    NODE_ENV: 'production',
    JWT_SECRET: STAGING_SECRET,
    SUBGRAPH_SECRET: 'another-production-secret',
    DEV_SIGN_IN: 'true',
    CLIENT_SIGN_IN_URL: 'https://id.example.com/authorize?client_id=roombook',
  });
  expect((await devToken(production, { sub: 'mallory', roles: ['ADMIN'] })).status).toBe(404);
  expect(await (await fetch(new URL('/app-config.json', production))).json()).toEqual({
    devSignIn: false,
    signInUrl: 'https://id.example.com/authorize?client_id=roombook',
  });
});

it("serves the app's pages with a strict policy, its assets for good, and nothing else", async () => {
  const base = new URL('/', system.routerUrl).href;
  for (const page of ['/', '/sign-in', '/rooms/r1', '/trips', '/trips/t1', '/host', '/host/rooms/new']) {
    const response = await fetch(new URL(page, base));
    expect(`${page} ${response.status}`).toBe(`${page} 200`);
    expect(await response.text()).toContain('<title>Roombook</title>');
    expect(response.headers.get('content-security-policy')).toContain("default-src 'self'");
  }
  const asset = await fetch(new URL('/assets/index-abc123.js', base));
  expect(asset.status).toBe(200);
  expect(asset.headers.get('cache-control')).toContain('immutable');
  expect((await fetch(new URL('/assets/missing.js', base))).status).toBe(404);
  expect((await fetch(new URL('/wp-admin', base))).status).toBe(404);
  // The old live page's address leads to the app's live dashboard.
  const live = await fetch(new URL('/live', base), { redirect: 'manual' });
  expect([live.status, live.headers.get('location')]).toEqual([302, '/host']);
});

it('says how to build the app when it is not built', async () => {
  const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'roombook-no-app-'));
  try {
    const base = await routerWith({ CLIENT_APP_DIR: empty });
    const response = await fetch(base);
    expect(response.status).toBe(503);
    expect(await response.text()).toContain('npm run build -w client');
  } finally {
    fs.rmSync(empty, { recursive: true, force: true });
  }
});

it('has an icon: /favicon.svg, and /favicon.ico leads to it', async () => {
  const base = new URL('/', system.routerUrl).href;
  const icon = await fetch(new URL('/favicon.svg', base));
  expect(icon.status).toBe(200);
  expect(icon.headers.get('content-type')).toMatch(/^image\/svg\+xml/);
  expect(await icon.text()).toMatch(/^<svg /);
  const habit = await fetch(new URL('/favicon.ico', base), { redirect: 'manual' });
  expect(habit.status).toBe(301);
  expect(habit.headers.get('location')).toBe('/favicon.svg');
});
