import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { buildClientApp } from '../../scripts/build';
import type { TestRole } from '../../test/support/tokens';

/** The app built once for a test file, into a folder of its own (the router's CLIENT_APP_DIR). */
export function buildAppForTests(): { readonly directory: string; remove(): void } {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'roombook-client-'));
  buildClientApp(directory);
  return { directory, remove: () => fs.rmSync(directory, { recursive: true, force: true }) };
}

/** The app's address on the router whose GraphQL endpoint is `routerUrl`. */
export function appUrl(routerUrl: string, page = '/'): string {
  return new URL(page, routerUrl).href;
}

/** Signs in as a person would in development: the sign-in page, a name, roles (POST /dev/token behind it). */
export async function signIn(page: Page, routerUrl: string, name: string, roles: readonly TestRole[]): Promise<void> {
  await page.goto(appUrl(routerUrl, '/sign-in'));
  await page.getByLabel('Your name').fill(name);
  const boxes = { GUEST: 'Guest (book rooms)', HOST: 'Host (list rooms)', ADMIN: 'Admin' } as const;
  for (const [role, label] of Object.entries(boxes)) {
    await page.getByLabel(label).setChecked(roles.includes(role as TestRole));
  }
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByText(`Signed in as ${name}`).waitFor({ state: 'attached' });
}

/** Marks the document, so that a test can tell later that the page was never reloaded. */
export async function markDocument(page: Page): Promise<void> {
  await page.evaluate(() => ((globalThis as unknown as { sameDocument: boolean }).sameDocument = true));
}

export async function isSameDocument(page: Page): Promise<boolean> {
  return page.evaluate(() => (globalThis as unknown as { sameDocument?: boolean }).sameDocument === true);
}
