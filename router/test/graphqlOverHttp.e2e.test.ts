/**
 * GraphQL over HTTP as the spec says it, checked by graphql-http's own audit against the real
 * router: every audit passes but three notices, and those three are GETs that CSRF prevention
 * refuses because they carry no header a browser form could not send (README: "GraphQL over HTTP").
 */
import { auditServer, type AuditResult } from 'graphql-http';
import { startSystem, type TestSystem } from '../../test/support/system';

let system: TestSystem;

beforeAll(async () => {
  system = await startSystem(['room']);
});
afterAll(() => system.stop());

const summary = (results: AuditResult[]) =>
  results.map((result) => ({ id: result.id, name: result.name, status: result.status }));

it('passes every audit; its only notices are GETs without a CSRF-prevention header', async () => {
  const results = await auditServer({ url: system.routerUrl });
  expect(results).toHaveLength(61);
  expect(summary(results).filter((result) => result.status === 'error' || result.status === 'warn')).toEqual([]);
  expect(
    summary(results)
      .filter((result) => result.status === 'notice')
      .map((result) => result.id)
      .sort(),
  ).toEqual(['5A70', '6A70', 'D6D5']);

  // The same requests with the header a script sets (and a cross-site form cannot): all pass.
  const preflighted = await auditServer({
    url: system.routerUrl,
    fetchFn: (input: string | URL | Request, init?: RequestInit) =>
      fetch(input, {
        ...init,
        headers: { ...(init?.headers as Record<string, string>), 'apollo-require-preflight': 'true' },
      }),
  });
  expect(summary(preflighted).filter((result) => result.status !== 'ok')).toEqual([]);
});

describe('GET', () => {
  const get = (query: string, headers: Record<string, string> = {}) =>
    fetch(`${system.routerUrl}?query=${encodeURIComponent(query)}`, { headers });

  it('runs a query that carries apollo-require-preflight, and refuses one without it as a possible CSRF', async () => {
    const served = await get('{ rooms { totalCount } }', { 'apollo-require-preflight': 'true' });
    expect(served.status).toBe(200);
    expect(((await served.json()) as { data: { rooms: { totalCount: number } } }).data.rooms.totalCount).toEqual(
      expect.any(Number),
    );

    const refused = await get('{ rooms { totalCount } }');
    expect(refused.status).toBe(400);
    expect(await refused.text()).toMatch(/Cross-Site Request Forgery/);
  });

  it('refuses a mutation: 405, allowed by POST only', async () => {
    const response = await get('mutation { cancelReservation(id: "x") { id } }', {
      'apollo-require-preflight': 'true',
    });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST');
  });
});

describe('status codes per media type', () => {
  const post = (accept: string) =>
    fetch(system.routerUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept },
      body: JSON.stringify({ query: '{ rooms { totalCont } }' }),
    });

  it('answers an invalid document 400 as application/graphql-response+json, 200 as application/json', async () => {
    const modern = await post('application/graphql-response+json, application/json;q=0.9');
    expect(modern.status).toBe(400);
    expect(modern.headers.get('content-type')).toMatch(/^application\/graphql-response\+json/);

    const legacy = await post('application/json');
    expect(legacy.status).toBe(200);
    expect(legacy.headers.get('content-type')).toMatch(/^application\/json/);
    expect(((await legacy.json()) as { errors: { extensions: { code: string } }[] }).errors[0].extensions.code).toBe(
      'GRAPHQL_VALIDATION_FAILED',
    );
  });

  it('refuses 406 a client that accepts neither', async () => {
    expect((await post('text/csv')).status).toBe(406);
  });
});
