import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/**
 * The Chromium browser tests drive: Debian's (`apt-get install chromium`, which .ci/run does when it
 * is missing), or the one CHROMIUM_PATH names (CI runners without Debian's package have Google Chrome).
 */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/** Quiet, reproducible, and nothing of its own on the network: no updates, sync or first-run pages. */
const CHROMIUM_ARGUMENTS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** A request a page wanted to send off this machine, and the page it came from. */
export interface RefusedRequest {
  readonly url: string;
  readonly fromPage: string;
}

export interface TestBrowser {
  readonly context: BrowserContext;
  newPage(): Promise<Page>;
  /** What pages wanted to send off this machine, refused (only with `onlyThisMachine`). */
  readonly refusedRequests: readonly RefusedRequest[];
  close(): Promise<void>;
}

export interface BrowserOptions {
  /**
   * Refuse every request that leaves 127.0.0.1/localhost, as if the machine were offline, and
   * record it. A page that needs the internet then fails here as it would for a user offline.
   */
  readonly onlyThisMachine?: boolean;
}

/** Headless Chromium with a fresh profile, deleted on close. One per test file is plenty. */
export async function launchBrowser(options: BrowserOptions = {}): Promise<TestBrowser> {
  const userDataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'roombook-chromium-'));
  const context = await chromium
    .launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: CHROMIUM_ARGUMENTS,
    })
    .catch(async (error: unknown) => {
      await fs.rm(userDataDir, { recursive: true, force: true });
      throw new Error(
        `Chromium did not start from ${CHROMIUM_PATH}: install it (apt-get install chromium) or set CHROMIUM_PATH.`,
        { cause: error },
      );
    });

  const refusedRequests: RefusedRequest[] = [];
  if (options.onlyThisMachine) {
    await context.route('**/*', async (route) => {
      const request = route.request();
      const { hostname } = new URL(request.url());
      if (hostname === '127.0.0.1' || hostname === 'localhost') return route.continue();
      refusedRequests.push({ url: request.url(), fromPage: request.frame().url() });
      return route.abort('internetdisconnected');
    });
  }

  return {
    context,
    refusedRequests,
    newPage: () => context.newPage(),
    async close() {
      await context.close();
      await fs.rm(userDataDir, { recursive: true, force: true });
    },
  };
}
