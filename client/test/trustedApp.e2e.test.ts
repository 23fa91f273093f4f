/**
 * The app against a router that enforces the app's own trusted documents (the manifest its build
 * wrote): a host registers a room, a guest finds it, books it and watches it confirm live, and the
 * router refused nothing, ran every operation from the manifest, and served no text it was sent.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { launchBrowser, type TestBrowser } from '../../test/support/browser';
import { startSystem, type TestSystem } from '../../test/support/system';
import { appUrl, buildAppForTests, signIn } from './appSession';

let app: ReturnType<typeof buildAppForTests>;
let system: TestSystem;
let browser: TestBrowser;

beforeAll(async () => {
  app = buildAppForTests();
  const manifest = path.join(app.directory, 'persisted-query-manifest.json');
  expect(fs.existsSync(manifest)).toBe(true);
  system = await startSystem(['room', 'payment', 'reservation', 'review', 'dashboard'], {
    router: { CLIENT_APP_DIR: app.directory, PERSISTED_DOCUMENTS_PATH: manifest, PERSISTED_DOCUMENTS_MODE: 'enforce' },
  });
  browser = await launchBrowser({ onlyThisMachine: true });
}, 180_000);
afterAll(async () => {
  await browser?.close();
  await system?.stop();
  app?.remove();
});

async function trustedDocuments(): Promise<Record<string, number>> {
  const text = await (await fetch(appUrl(system.routerUrl, '/metrics'))).text();
  return Object.fromEntries(
    [...text.matchAll(/^router_trusted_documents_total\{[^}]*outcome="(\w+)"[^}]*\} (\d+)/gm)].map(([, outcome, n]) => [
      outcome,
      Number(n),
    ]),
  );
}

async function registerRoom(page: Page, name: string, city: string): Promise<void> {
  await page.goto(appUrl(system.routerUrl, '/host'));
  await page.getByRole('link', { name: 'Register a room' }).click();
  await page.getByLabel('Name').fill(name);
  await page.getByLabel('City').fill(city);
  await page.getByLabel('Guests').fill('2');
  await page.getByLabel('Price per night').fill('75');
  await page.getByLabel('Currency').selectOption('EUR');
  await page.getByRole('button', { name: 'Register room' }).click();
  await page.locator('li.dashboard-row', { hasText: name }).waitFor();
}

it('works whole against a router that runs only its trusted documents', async () => {
  const host = await browser.newPage();
  await signIn(host, system.routerUrl, 'hana', ['HOST']);
  await registerRoom(host, 'Trusted attic', 'Leuven');
  await host.close();

  const guest = await browser.newPage();
  await signIn(guest, system.routerUrl, 'gus', ['GUEST']);
  await guest.goto(appUrl(system.routerUrl, '/'));
  await guest.getByLabel('City').fill('leuven');
  await guest.getByRole('button', { name: 'Search' }).click();
  const card = guest.locator('li.room-card', { hasText: 'Trusted attic' });
  await card.getByText('Available').waitFor();
  await card.getByRole('link', { name: 'Trusted attic' }).click();
  await guest.getByRole('heading', { name: 'Trusted attic', level: 1 }).waitFor();
  await guest.getByLabel('Card token').fill('tok_visa');
  await guest.getByRole('button', { name: 'Book and pay' }).click();
  await guest.waitForURL(/\/trips\/[^/]+$/);
  // Confirmed and paid arrive over the app's subscriptions, sent with their ids.
  await guest.locator('.trip-status [data-status="CONFIRMED"]').waitFor();
  await guest.locator('.trip-status [data-status="APPROVED"]').waitFor();

  const counted = await trustedDocuments();
  expect(counted.refused ?? 0).toBe(0);
  expect(counted.hit).toBeGreaterThan(5);
});
