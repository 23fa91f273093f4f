/**
 * The guests' and hosts' app in Chromium, against the real router, subgraphs, NATS and database:
 * a guest finds a room, books it and watches it confirm; the host's dashboard shows it live; a
 * cancellation refunds both ways; a declined card is rejected; taken nights are said in words; the
 * router restarts under a guest who carries on. Every page is checked with axe-core and at 360 px.
 */
import type { Page } from 'playwright-core';
import { findFreePort } from '../../scripts/infra/ports';
import { horizontalOverflow, seriousAccessibilityViolations } from '../../test/support/accessibility';
import { CANCEL, RESERVE, registerRoom, reservationStatus, stay } from '../../test/support/booking';
import { launchBrowser, type TestBrowser } from '../../test/support/browser';
import { eventually } from '../../test/support/streams';
import { startSystem, type SpawnedReplica, type TestSystem } from '../../test/support/system';
import { tokenFor } from '../../test/support/tokens';
import { appUrl, buildAppForTests, isSameDocument, markDocument, signIn } from './appSession';

let app: ReturnType<typeof buildAppForTests>;
let system: TestSystem;
let guestBrowser: TestBrowser;
let hostBrowser: TestBrowser;

beforeAll(async () => {
  app = buildAppForTests();
  system = await startSystem(['room', 'payment', 'reservation', 'review', 'dashboard'], {
    router: { CLIENT_APP_DIR: app.directory },
  });
  // Two people, two browsers: each has its own storage, so its own sign-in.
  [guestBrowser, hostBrowser] = await Promise.all([
    launchBrowser({ onlyThisMachine: true }),
    launchBrowser({ onlyThisMachine: true }),
  ]);
}, 180_000);
afterAll(async () => {
  await guestBrowser?.close();
  await hostBrowser?.close();
  await system?.stop();
  app?.remove();
});

/** Every page a test visits is held to the same finish: no serious accessibility fault, no sideways scroll on a phone. */
const checkedPages = new Set<string>();
async function checkFinish(page: Page, name: string): Promise<void> {
  expect({ page: name, violations: await seriousAccessibilityViolations(page) }).toEqual({
    page: name,
    violations: [],
  });
  const viewport = page.viewportSize();
  await page.setViewportSize({ width: 360, height: 740 });
  expect({ page: name, overflow: await horizontalOverflow(page) }).toEqual({ page: name, overflow: 0 });
  if (viewport) await page.setViewportSize(viewport);
  checkedPages.add(name);
}

const dashboardRow = (page: Page, roomName: string) => page.locator('li.dashboard-row', { hasText: roomName });
const count = (row: ReturnType<typeof dashboardRow>, name: string, value: string) =>
  row.locator(`dd[data-count="${name}"]`, { hasText: new RegExp(`^${value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) });

async function registerRoomThroughTheApp(page: Page, room: { name: string; city: string; price: string }) {
  await page.goto(appUrl(system.routerUrl, '/host'));
  await page.getByRole('link', { name: 'Register a room' }).click();
  await page.getByLabel('Name').fill(room.name);
  await page.getByLabel('City').fill(room.city);
  await page.getByLabel('Guests').fill('2');
  await page.getByLabel('Price per night').fill(room.price);
  await page.getByLabel('Currency').selectOption('EUR');
  await page.getByLabel('Amenities').fill('wifi, kitchen');
  await checkFinish(page, 'register a room');
  await page.getByRole('button', { name: 'Register room' }).click();
  await dashboardRow(page, room.name).waitFor();
}

async function findAndOpenRoom(page: Page, city: string, roomName: string) {
  await page.goto(appUrl(system.routerUrl, '/'));
  await page.getByLabel('City').fill(city);
  await page.getByRole('button', { name: 'Search' }).click();
  const card = page.locator('li.room-card', { hasText: roomName });
  await card.getByText('Available').waitFor();
  await checkFinish(page, 'find a stay');
  await card.getByRole('link', { name: roomName }).click();
  await page.getByRole('heading', { name: roomName, level: 1 }).waitFor();
}

async function book(page: Page, card: string): Promise<string> {
  await page.getByLabel('Card token').fill(card);
  await page.getByRole('button', { name: 'Book and pay' }).click();
  await page.waitForURL(/\/trips\/[^/]+$/);
  return new URL(page.url()).pathname.split('/').pop()!;
}

const tripStatus = (page: Page, status: string) => page.locator(`.trip-status [data-status="${status}"]`);

it('a guest books a room and sees it confirmed; the host sees it live; a cancellation refunds both', async () => {
  const host = await hostBrowser.newPage();
  await signIn(host, system.routerUrl, 'hana', ['HOST']);
  await registerRoomThroughTheApp(host, { name: 'Canal loft', city: 'Ghent', price: '90' });
  const row = dashboardRow(host, 'Canal loft');
  await count(row, 'confirmed', '0').waitFor();
  await checkFinish(host, 'host dashboard');
  await markDocument(host);

  const guest = await guestBrowser.newPage();
  await signIn(guest, system.routerUrl, 'gus', ['GUEST']);
  await checkFinish(guest, 'sign in');
  await findAndOpenRoom(guest, 'ghent', 'Canal loft');
  await checkFinish(guest, 'room');
  await markDocument(guest);
  const reservationId = await book(guest, 'tok_visa');
  await tripStatus(guest, 'CONFIRMED').waitFor();
  await tripStatus(guest, 'APPROVED').waitFor();
  await checkFinish(guest, 'trip');

  // The host's page, never reloaded, follows the booking made in the other browser.
  await count(row, 'confirmed', '1').waitFor();
  await count(row, 'revenue', '€180.00').waitFor();
  await host.locator(`.activity li[data-reservation="${reservationId}"] [data-status="CONFIRMED"]`).waitFor();

  await guest.getByRole('button', { name: 'Cancel trip…' }).click();
  await guest.getByRole('button', { name: 'Yes, cancel and refund' }).click();
  await tripStatus(guest, 'CANCELLED').waitFor();
  await tripStatus(guest, 'REFUNDED').waitFor();
  await count(row, 'cancelled', '1').waitFor();
  await count(row, 'revenue', '€0.00').waitFor();
  await row.locator('[data-status="REFUNDED"]').waitFor();
  expect(await isSameDocument(guest)).toBe(true);
  expect(await isSameDocument(host)).toBe(true);

  await guest.getByRole('link', { name: 'My trips', exact: true }).click();
  const trip = guest.locator(`li[data-reservation="${reservationId}"]`);
  await trip.locator('[data-status="CANCELLED"]').waitFor();
  await trip.locator('[data-status="REFUNDED"]').waitFor();
  await checkFinish(guest, 'my trips');
  expect(guestBrowser.refusedRequests).toEqual([]);
  expect(hostBrowser.refusedRequests).toEqual([]);
});

it('a declined card shows the booking rejected, in words', async () => {
  const hana = await tokenFor('hana', ['HOST']);
  await registerRoom(system, hana, { name: 'Harbour room', city: 'Antwerp' });
  const guest = await guestBrowser.newPage();
  await signIn(guest, system.routerUrl, 'gus', ['GUEST']);
  await findAndOpenRoom(guest, 'Antwerp', 'Harbour room');
  await book(guest, 'tok_declined');
  await tripStatus(guest, 'REJECTED').getByText('Rejected: card declined').waitFor();
  await tripStatus(guest, 'DECLINED').getByText('Card declined').waitFor();
});

it('nights taken while the guest was deciding are explained, not failed', async () => {
  const hana = await tokenFor('hana', ['HOST']);
  const roomId = await registerRoom(system, hana, { name: 'Attic', city: 'Bruges' });
  const guest = await guestBrowser.newPage();
  await signIn(guest, system.routerUrl, 'gus', ['GUEST']);
  await findAndOpenRoom(guest, 'Bruges', 'Attic');
  // Someone else books the same nights (the page's default stay) before the guest decides.
  const checkIn = await guest.getByLabel('Check-in').inputValue();
  const checkOut = await guest.getByLabel('Check-out').inputValue();
  const other = await tokenFor('olga', ['GUEST']);
  const taken = await system.graphql(RESERVE, { input: { ...stay(roomId, 0, 1), checkIn, checkOut } }, other);
  expect(taken.errors).toBeUndefined();

  await guest.getByRole('button', { name: 'Book and pay' }).click();
  await guest.getByRole('alert').getByText('Those nights were just taken').waitFor();
  await checkFinish(guest, 'booking refused');
});

it('the router restarts while a guest follows their trips, and the app carries on without a reload', async () => {
  const hana = await tokenFor('hana', ['HOST']);
  const gus = await tokenFor('rita', ['GUEST']);
  const roomId = await registerRoom(system, hana, { name: 'Riverside', city: 'Namur' });
  const booked = await system.graphql(RESERVE, { input: stay(roomId, 40, 42) }, gus);
  const { id } = booked.data!.reserveRoom as { id: string };

  // The guest's router is not the one changes go through, and it is restarted on its port.
  const port = String(await findFreePort());
  const routerEnvironment = { PORT: port, CLIENT_APP_DIR: app.directory };
  let guestRouter: SpawnedReplica = await system.spawnRouter(routerEnvironment);
  try {
    const guest = await guestBrowser.newPage();
    await signIn(guest, guestRouter.url, 'rita', ['GUEST']);
    await guest.getByRole('link', { name: 'My trips', exact: true }).click();
    const trip = guest.locator(`li[data-reservation="${id}"]`);
    await trip.locator('[data-status="CONFIRMED"]').waitFor();
    await markDocument(guest);

    await guestRouter.stop();
    await guest.getByText('Reconnecting…').waitFor();
    // While it is away, the host cancels the trip, and the refund completes.
    expect((await system.graphql(CANCEL, { id, reason: 'pipes burst' }, hana)).errors).toBeUndefined();
    await eventually(
      () => reservationStatus(system, id, gus),
      (reservation) => reservation.status === 'CANCELLED' && reservation.payment?.status === 'REFUNDED',
    );

    guestRouter = await system.spawnRouter(routerEnvironment);
    await trip.locator('[data-status="CANCELLED"]').waitFor();
    await trip.locator('[data-status="REFUNDED"]').waitFor();
    await guest.getByText('Reconnecting…').waitFor({ state: 'detached' });

    // Live again: a trip booked elsewhere now joins the list as it happens.
    const next = await system.graphql(RESERVE, { input: stay(roomId, 50, 52) }, gus);
    const nextId = (next.data!.reserveRoom as { id: string }).id;
    await guest.locator(`li[data-reservation="${nextId}"] [data-status="CONFIRMED"]`).waitFor();
    expect(await isSameDocument(guest)).toBe(true);
  } finally {
    await guestRouter.stop();
  }
});

it('checked every page it visited', () => {
  expect([...checkedPages].sort()).toEqual(
    [
      'booking refused',
      'find a stay',
      'host dashboard',
      'my trips',
      'register a room',
      'room',
      'sign in',
      'trip',
    ].sort(),
  );
});
