/**
 * npm run bench:client: what the guests' app costs a visitor. The built JavaScript's size
 * (gzipped, as the router's clients download it), and the first render of the room list: from
 * navigation to the moment the first room card is in the document, in headless Chromium against
 * the real router and subgraphs, BENCH_ROOMS rooms listed, BENCH_VISITS visits each with an empty
 * cache (a first visit) and with a warm one (a return visit). A benchmark, not a test: it prints
 * what it measures and the machine. TEST_MONGO_URL uses a running MongoDB-wire server.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { buildAppForTests } from '../client/test/appSession';
import { registerRoom } from '../test/support/booking';
import { launchBrowser } from '../test/support/browser';
import { startSystem } from '../test/support/system';
import { tokenFor } from '../test/support/tokens';
import { startMongo } from '../scripts/infra/mongo';
import { findFreePort } from '../scripts/infra/ports';

const ROOMS = Number(process.env.BENCH_ROOMS ?? 20);
const VISITS = Number(process.env.BENCH_VISITS ?? 15);
const BUDGET_KIB = 250;
const FIRST_RENDER_GOAL_MS = 1500;

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

function summary(label: string, samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  const ms = (value: number) => `${value.toFixed(0)} ms`;
  return `${label}: median ${ms(percentile(sorted, 50))}, p90 ${ms(percentile(sorted, 90))}, min ${ms(sorted[0])}, max ${ms(sorted.at(-1)!)} (${samples.length} visits)`;
}

/** Every .js file of the build, gzipped at level 9 (what a compressing proxy would send). */
function javascriptSize(directory: string): { raw: number; gzipped: number } {
  let raw = 0;
  let gzipped = 0;
  for (const file of fs.readdirSync(directory, { recursive: true, encoding: 'utf8' })) {
    if (!file.endsWith('.js')) continue;
    const bytes = fs.readFileSync(path.join(directory, file));
    raw += bytes.length;
    gzipped += gzipSync(bytes, { level: 9 }).length;
  }
  return { raw, gzipped };
}

/**
 * Records, from inside the page, when the app's page first stood (its heading: the JavaScript has
 * run) and when the first room card entered the document (the rooms have arrived), in ms since
 * navigation.
 */
const FIRST_CARD_OBSERVER = `
  new MutationObserver((_changes, observer) => {
    if (!window.shellAt && document.querySelector('main h1')) window.shellAt = performance.now();
    if (document.querySelector('li.room-card')) {
      window.firstRoomCardAt = performance.now();
      observer.disconnect();
    }
  }).observe(document, { childList: true, subtree: true });
`;

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'roombook-bench-client-'));
  const mongo = process.env.TEST_MONGO_URL
    ? undefined
    : await startMongo({ dir, port: await findFreePort(), log: (line) => console.log(line) });
  process.env.TEST_MONGO_URL ??= mongo!.url;
  const app = buildAppForTests();
  const system = await startSystem(['room', 'reservation', 'review'], { router: { CLIENT_APP_DIR: app.directory } });
  const browser = await launchBrowser({ onlyThisMachine: true });
  try {
    console.log(
      `machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB; Node ${process.version}; load ${os
        .loadavg()
        .map((load) => load.toFixed(1))
        .join(' ')}`,
    );
    const { raw, gzipped } = javascriptSize(app.directory);
    console.log(
      `JavaScript: ${(raw / 1024).toFixed(1)} KiB, ${(gzipped / 1024).toFixed(1)} KiB gzipped (budget ${BUDGET_KIB} KiB gzipped)`,
    );

    const host = await tokenFor('bench-host', ['HOST']);
    for (let index = 0; index < ROOMS; index++) {
      await registerRoom(system, host, { name: `Bench room ${index + 1}`, city: 'Benchville' });
    }
    const url = new URL('/?city=Benchville', system.routerUrl).href;
    const page = await browser.newPage();
    await page.addInitScript(FIRST_CARD_OBSERVER);
    const cdp = await browser.context.newCDPSession(page);
    await cdp.send('Network.enable');

    const visit = async () => {
      await page.goto(url);
      await page.waitForFunction(() => 'firstRoomCardAt' in globalThis);
      const cards = await page.locator('li.room-card').count();
      if (cards === 0) throw new Error('The room list rendered no room');
      return page.evaluate(() => {
        const { shellAt, firstRoomCardAt } = globalThis as unknown as { shellAt: number; firstRoomCardAt: number };
        return { shellAt, firstRoomCardAt };
      });
    };
    // One visit first, so the router and the subgraphs have planned and warmed what the page asks.
    await visit();
    const visits = async () => {
      const shell: number[] = [];
      const list: number[] = [];
      for (let index = 0; index < VISITS; index++) {
        const { shellAt, firstRoomCardAt } = await visit();
        shell.push(shellAt);
        list.push(firstRoomCardAt);
      }
      return { shell, list };
    };
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
    const cold = await visits();
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: false });
    await visit();
    const warm = await visits();
    console.log(`First render of the room list (${ROOMS} rooms), goal < ${FIRST_RENDER_GOAL_MS} ms:`);
    console.log(`  ${summary('first visit (empty cache)', cold.list)}`);
    console.log(`    of which the page itself (its JavaScript run): ${summary('', cold.shell).slice(2)}`);
    console.log(`  ${summary('return visit (cached assets)', warm.list)}`);
    console.log(`    of which the page itself: ${summary('', warm.shell).slice(2)}`);
  } finally {
    await browser.close();
    await system.stop();
    app.remove();
    await mongo?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
