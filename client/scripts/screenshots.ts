/**
 * npm run screenshots -w client: the README's pictures of the guest's and the host's flows, taken
 * with Playwright in Chromium against the real system (as the app's e2e test runs it), written to
 * client/docs/*.png. Desktop width for the flows, phone width (360 px) for one page of each.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { startMongo } from '../../scripts/infra/mongo';
import { findFreePort } from '../../scripts/infra/ports';
import { RESERVE, registerRoom, stay } from '../../test/support/booking';
import { launchBrowser } from '../../test/support/browser';
import { startSystem } from '../../test/support/system';
import { tokenFor } from '../../test/support/tokens';
import { appUrl, buildAppForTests, signIn } from '../test/appSession';

const OUT = path.join(__dirname, '..', 'docs');

async function shoot(page: Page, name: string, width = 1100, height = 760): Promise<void> {
  await page.setViewportSize({ width, height });
  await page.screenshot({ path: path.join(OUT, `${name}.png`), fullPage: false });
  process.stdout.write(`client/docs/${name}.png\n`);
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'roombook-screenshots-'));
  const mongo = process.env.TEST_MONGO_URL
    ? undefined
    : await startMongo({ dir, port: await findFreePort(), log: (line) => process.stdout.write(`${line}\n`) });
  process.env.TEST_MONGO_URL ??= mongo!.url;
  const app = buildAppForTests();
  const system = await startSystem(['room', 'payment', 'reservation', 'review', 'dashboard'], {
    router: { CLIENT_APP_DIR: app.directory },
  });
  const [guestBrowser, hostBrowser] = [await launchBrowser(), await launchBrowser()];
  try {
    const hana = await tokenFor('hana', ['HOST']);
    const lisbon = [
      { name: 'Loft by the river', description: 'Bright loft above the Tagus, ten minutes from Baixa.', price: 12_000 },
      { name: 'Alfama terrace room', description: 'A quiet room with a terrace over the rooftops.', price: 9_500 },
      { name: 'Studio near the tram', description: 'Compact studio on line 28.', price: 7_000 },
    ];
    const ids: string[] = [];
    for (const room of lisbon) {
      ids.push(
        await registerRoom(system, hana, {
          name: room.name,
          description: room.description,
          city: 'Lisbon',
          capacity: 3,
          amenities: ['wifi', 'kitchen', 'washer'],
          pricePerNight: { amount: room.price, currency: 'EUR' },
        }),
      );
    }
    const olga = await tokenFor('olga', ['GUEST']);
    await system.graphql(RESERVE, { input: stay(ids[2], 14, 16) }, olga);

    const host = await hostBrowser.newPage();
    await signIn(host, system.routerUrl, 'hana', ['HOST']);
    await host.goto(appUrl(system.routerUrl, '/host'));
    await host.locator('li.dashboard-row').first().waitFor();

    const guest = await guestBrowser.newPage();
    await signIn(guest, system.routerUrl, 'gus', ['GUEST']);
    await guest.goto(appUrl(system.routerUrl, '/?city=Lisbon'));
    await guest.locator('li.room-card').nth(2).waitFor();
    await shoot(guest, 'guest-1-search');
    await guest.getByRole('link', { name: 'Loft by the river' }).click();
    await guest.getByRole('button', { name: 'Book and pay' }).waitFor();
    await shoot(guest, 'guest-2-room');
    await guest.getByRole('button', { name: 'Book and pay' }).click();
    await guest.locator('.trip-status [data-status="CONFIRMED"]').waitFor();
    await shoot(guest, 'guest-3-confirmed-phone', 360, 740);

    await host.locator('.activity li [data-status="CONFIRMED"]').waitFor();
    await shoot(host, 'host-1-dashboard-phone', 360, 740);

    await guest.setViewportSize({ width: 1100, height: 760 });
    await guest.getByRole('button', { name: 'Cancel trip…' }).click();
    await guest.getByRole('button', { name: 'Yes, cancel and refund' }).click();
    await guest.locator('.trip-status [data-status="REFUNDED"]').waitFor();
    await shoot(guest, 'guest-4-refunded');
    await host
      .locator('li.dashboard-row', { hasText: 'Loft by the river' })
      .locator('[data-status="REFUNDED"]')
      .waitFor();
    await shoot(host, 'host-2-refund-live');
  } finally {
    await guestBrowser.close();
    await hostBrowser.close();
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
