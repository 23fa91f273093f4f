/**
 * The explorer a newcomer opens without internet: GET /graphql (Apollo Sandbox, whose code is on
 * Apollo's CDN) falls back to the router's own GraphiQL, which runs operations against the same
 * endpoint with a token from its headers editor. The browser may reach nothing but this machine.
 */
import type { RunningService } from '@roombook/kernel';
import type { Page } from 'playwright-core';
import { launchBrowser, type TestBrowser } from '../../test/support/browser';
import { startSystem, type TestSystem } from '../../test/support/system';
import { tokenFor } from '../../test/support/tokens';
import { configSchema } from '../src/config';
import { startRouter } from '../src/server';

let system: TestSystem;
let browser: TestBrowser;

beforeAll(async () => {
  system = await startSystem(['room']);
  browser = await launchBrowser({ onlyThisMachine: true });
});
afterAll(async () => {
  await browser?.close();
  await system?.stop();
});

/** Replaces an editor's text as a person would: click in it, select all, type (pasted, so no auto-closed brackets). */
async function typeInto(page: Page, editor: string, text: string): Promise<void> {
  await page.locator(`${editor} .CodeMirror`).click();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.insertText(text);
}

/**
 * Runs `operation` (named in the query editor) once GraphiQL has read the editor (its tab takes
 * the operation's name), and answers the response pane once it shows `expected`.
 */
async function run(page: Page, operation: string, expected: string): Promise<string> {
  await page.locator('.graphiql-tab-active', { hasText: operation }).waitFor();
  await page.locator('.graphiql-execute-button').click();
  const response = page.locator('.graphiql-response', { hasText: expected });
  await response.waitFor();
  return response.innerText();
}

const QUERY_EDITOR = '.graphiql-query-editor';
const HEADERS_EDITOR = '.graphiql-editor-tool .graphiql-editor:not(.hidden)';

it('offline, GET /graphql falls back to GraphiQL, which runs a mutation with a token and a query', async () => {
  const page = await browser.newPage();
  const graphiql = new URL('/graphiql', system.routerUrl).href;
  await page.goto(system.routerUrl);
  await page.waitForURL(graphiql);
  // Because Sandbox's page reached for Apollo's CDN and was refused, as it would be offline.
  const refusedHosts = browser.refusedRequests.map((request) => new URL(request.url).hostname);
  expect(refusedHosts).toContain('embeddable-sandbox.cdn.apollographql.com');

  const host = await tokenFor('hana', ['HOST']);
  await typeInto(page, HEADERS_EDITOR, JSON.stringify({ Authorization: `Bearer ${host}` }));
  await typeInto(
    page,
    QUERY_EDITOR,
    'mutation Register { registerRoom(input: { name: "Offline loft", city: "Porto", capacity: 2, ' +
      'pricePerNight: { amount: 9000, currency: "EUR" } }) { name hostId } }',
  );
  expect(await run(page, 'Register', '"registerRoom"')).toMatch(/"name": "Offline loft",\s*"hostId": "hana"/);

  await typeInto(page, QUERY_EDITOR, 'query Rooms { rooms { totalCount edges { node { name city } } } }');
  const rooms = await run(page, 'Rooms', '"rooms"');
  expect(rooms).toContain('"totalCount": 1');
  expect(rooms).toMatch(/"name": "Offline loft",\s*"city": "Porto"/);
  // GraphiQL itself never reached off this machine.
  expect(browser.refusedRequests.filter((request) => request.fromPage.startsWith(graphiql))).toEqual([]);
});

it('adds its GraphiQL fallback to the Sandbox page, from the router itself', async () => {
  const landing = await fetch(system.routerUrl, { headers: { accept: 'text/html' } });
  const script = /<script src="(\/graphiql\/assets\/sandbox-fallback\.js)"/.exec(await landing.text());
  expect(script).not.toBeNull();
  const fallback = await fetch(new URL(script![1], system.routerUrl));
  expect(fallback.status).toBe(200);
  expect(await fallback.text()).toContain("'/graphiql'");
});

describe('in production', () => {
  let router: RunningService;

  beforeAll(async () => {
    router = await startRouter(
      configSchema.parse({
        PORT: '0',
        NODE_ENV: 'production',
        LOG_LEVEL: 'silent',
        JWT_SECRET: 'a-production-secret-of-at-least-32-characters',
        SUBGRAPH_SECRET: 'another-production-secret',
      }),
    );
  });
  afterAll(() => router?.stop());

  it('serves neither GraphiQL nor Sandbox', async () => {
    expect((await fetch(new URL('/graphiql', router.url))).status).toBe(404);
    expect((await fetch(new URL('/graphiql/assets/graphiql.js', router.url))).status).toBe(404);
    const landing = await fetch(router.url, { headers: { accept: 'text/html' } });
    expect(await landing.text()).not.toMatch(/sandbox/i);
  });
});
