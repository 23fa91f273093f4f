/**
 * The live page in a real browser: it follows a room over graphql-ws, shows a booking made
 * elsewhere without a reload, and comes back by itself after its router restarts.
 */
import type { Page } from 'playwright-core';
import { findFreePort } from '../../scripts/infra/ports';
import { launchBrowser, type TestBrowser } from '../../test/support/browser';
import { CANCEL, RESERVE, registerRoom, stay } from '../../test/support/booking';
import { eventually } from '../../test/support/streams';
import { startSystem, type SpawnedReplica, type TestSystem } from '../../test/support/system';
import { tokenFor } from '../../test/support/tokens';

let system: TestSystem;
let browser: TestBrowser;

beforeAll(async () => {
  system = await startSystem(['room', 'payment', 'reservation', 'dashboard']);
  browser = await launchBrowser({ onlyThisMachine: true });
});
afterAll(async () => {
  await browser?.close();
  await system?.stop();
});

const ROW = `query($roomId: ID!) { roomDashboard(roomId: $roomId) { roomId } }`;

async function follow(page: Page, routerUrl: string, roomId: string, token: string): Promise<void> {
  await page.goto(new URL(`/live?room=${roomId}`, routerUrl).href);
  await page.locator('#token').fill(token);
  await page.locator('#token').dispatchEvent('change');
  await page.locator(`#room option[value="${roomId}"]`).waitFor({ state: 'attached' });
  await page.locator('#follow button').click();
  await page.locator('#connection[data-state="connected"]').waitFor();
}

const reservationRow = (page: Page, id: string, status: string) =>
  page.locator(`#reservations tr[data-id="${id}"][data-status="${status}"]`);
const dashboardValue = (page: Page, field: string) => page.locator(`#dashboard dd[data-field="${field}"]`);

it('shows a booking and its cancellation made elsewhere as they happen, also after its router restarted', async () => {
  const hana = await tokenFor('hana', ['HOST']);
  const gus = await tokenFor('gus', ['GUEST']);
  const roomId = await registerRoom(system, hana, { name: 'Live loft', city: 'Ghent' });
  await eventually(async () => (await system.graphql(ROW, { roomId }, hana)).data?.roomDashboard, Boolean);

  // The page's router is not the one bookings go through, and it will be restarted on its port.
  const port = String(await findFreePort());
  let pageRouter: SpawnedReplica = await system.spawnRouter({ PORT: port });
  try {
    const page = await browser.newPage();
    await follow(page, pageRouter.url, roomId, hana);
    await dashboardValue(page, 'Confirmed').filter({ hasText: '0' }).waitFor();

    const booked = await system.graphql(RESERVE, { input: stay(roomId, 30, 33) }, gus);
    const { id } = booked.data!.reserveRoom as { id: string };
    await reservationRow(page, id, 'CONFIRMED').waitFor();
    await dashboardValue(page, 'Confirmed').filter({ hasText: '1' }).waitFor();
    await expect(page.locator('#reservations tr').count()).resolves.toBe(1);

    await pageRouter.stop();
    await page.locator('#connection[data-state="reconnecting"]').waitFor();
    pageRouter = await system.spawnRouter({ PORT: port });
    await page.locator('#connection[data-state="connected"]').waitFor({ timeout: 30_000 });

    // Its subscriptions are back once the new router counts them.
    await eventually(
      async () =>
        (await (await fetch(new URL('/metrics', pageRouter.url))).text()).match(/^live_subscriptions\S* (\d+)/m)?.[1],
      (active) => active === '2',
    );
    await system.graphql(CANCEL, { id }, gus);
    await reservationRow(page, id, 'CANCELLED').waitFor();
    await dashboardValue(page, 'Cancelled').filter({ hasText: '1' }).waitFor();
    expect(browser.refusedRequests).toEqual([]);
  } finally {
    await pageRouter.stop();
  }
});
