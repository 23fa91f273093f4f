/**
 * A client's mistake is answered as the client's mistake: a 4xx with a GraphQL error and a code,
 * never a 500 or a "retry later" that sends a client into a retry loop.
 */
import { startSystem, type TestSystem } from '../../test/support/system';
import { errorCodes } from '../../test/support/graphqlClient';
import { connectLive } from '../../test/support/liveClient';

let system: TestSystem;

beforeAll(async () => {
  // A router body limit above the subgraphs' (100 kB), so a large request reaches a subgraph.
  system = await startSystem(['room'], { router: { MAX_BODY_BYTES: '1000000' } });
});
afterAll(() => system.stop());

async function post(body: Record<string, unknown>) {
  const response = await fetch(system.routerUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const answer = (await response.json()) as { errors?: { message: string; extensions?: { code?: string } }[] };
  return { status: response.status, ...answer };
}

describe('an operation the request does not pick', () => {
  it('answers 400 BAD_REQUEST for an operationName the document does not have', async () => {
    const response = await post({ query: 'query Rooms { rooms { totalCount } }', operationName: 'Reviews' });
    expect(response.status).toBe(400);
    expect(errorCodes(response)).toEqual(['BAD_REQUEST']);
    expect(response.errors?.[0]?.message).toMatch(/Reviews/);
  });

  it('answers 400 BAD_REQUEST for several operations and no operationName', async () => {
    const response = await post({ query: 'query A { rooms { totalCount } } query B { rooms { totalCount } }' });
    expect(response.status).toBe(400);
    expect(errorCodes(response)).toEqual(['BAD_REQUEST']);
    expect(response.errors?.[0]?.message).toMatch(/operation name/i);
  });
});

describe('an Int out of range', () => {
  it('is BAD_USER_INPUT written in the query, as it is in a variable', async () => {
    const inVariable = await post({
      query: 'query ($first: Int) { rooms(first: $first) { totalCount } }',
      variables: { first: 99999999999 },
    });
    expect(errorCodes(inVariable)).toEqual(['BAD_USER_INPUT']);
    const literal = await post({ query: '{ rooms(first: 99999999999) { totalCount } }' });
    expect(errorCodes(literal)).toEqual(['BAD_USER_INPUT']);
    expect(literal.status).toBe(inVariable.status);
    expect(literal.errors?.[0]?.message).toMatch(/99999999999/);
  });

  it('leaves a document that does not fit the schema GRAPHQL_VALIDATION_FAILED', async () => {
    const response = await post({ query: '{ rooms(first: 5) { totalCont } }' });
    expect(response.status).toBe(400);
    expect(errorCodes(response)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
  });

  it('is BAD_USER_INPUT written in a subscription too', async () => {
    const live = connectLive(system.routerUrl);
    try {
      const { error } = await live.subscribe(
        'subscription { roomChanged { reviews(first: 99999999999) { totalCount } } }',
      ).ended;
      expect((error as { extensions?: { code?: string } }[]).map((item) => item.extensions?.code)).toEqual([
        'BAD_USER_INPUT',
      ]);
    } finally {
      await live.dispose();
    }
  });
});

describe('a request a subgraph finds too large', () => {
  it('is a client error saying so, not SERVICE_UNAVAILABLE', async () => {
    const response = await post({
      query: 'query ($city: String) { rooms(filter: { city: $city }) { totalCount } }',
      variables: { city: 'x'.repeat(200_000) },
    });
    expect(errorCodes(response)).toEqual(['PAYLOAD_TOO_LARGE']);
    expect(response.errors?.[0]?.message).toMatch(/too large/i);
    expect(response.errors?.[0]?.message).not.toMatch(/retry/i);
  });
});
