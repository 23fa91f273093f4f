import { ApolloClient, HttpLink, InMemoryCache, gql } from '@apollo/client';
import { NetworkError, createClient, type Client as SseClient, type ExecutionResult } from 'graphql-sse';
import { CANCEL, registerRoom, stayBooker } from '../../test/support/booking';
import { postGraphQL } from '../../test/support/graphqlClient';
import { openHttpLive, type HttpLiveStream, type HttpTransport } from '../../test/support/httpLiveClient';
import { HEAVY_ROOM_CHANGED, publishRoomRenames } from '../../test/support/roomUpdates';
import {
  reservationChangesAfter,
  sequenceOfCursor,
  untilReservationEventsStored,
} from '../../test/support/reservationChanges';
import { eventually } from '../../test/support/streams';
import { startSystem, type TestSystem } from '../../test/support/system';
import { tokenFor } from '../../test/support/tokens';

const RESERVATION_CHANGED = `subscription($roomId: ID, $reservationId: ID) {
  reservationStatusChanged(roomId: $roomId, reservationId: $reservationId) { id guestId status room { id name } }
}`;
const ROOM_CHANGED = `subscription($roomId: ID) { roomChanged(roomId: $roomId) { id name reviewCount } }`;
const DASHBOARD_UPDATED = `subscription($roomId: ID) { dashboardUpdated(roomId: $roomId) { roomId } }`;
/** What Apollo Client's HttpLink accepts for a query (for a subscription it puts multipart first). */
const ACCEPT_QUERY = 'application/graphql-response+json,application/json;q=0.9';
const UPDATE_ROOM = `mutation($id: ID!, $name: String!) { updateRoom(id: $id, input: { name: $name }) { id } }`;

type Data = Record<string, any>;

let system: TestSystem;
let hana: string; // HOST
let gus: string; // GUEST
let eve: string; // GUEST
const cleanups: (() => unknown)[] = [];

beforeAll(async () => {
  system = await startSystem(['room', 'payment', 'reservation', 'review', 'dashboard'], {
    router: { SUBSCRIPTION_KEEPALIVE_MS: '300', MAX_HTTP_SUBSCRIPTIONS_PER_CALLER: '3' },
  });
  [hana, gus, eve] = await Promise.all([
    tokenFor('hana', ['HOST']),
    tokenFor('gus', ['GUEST']),
    tokenFor('eve', ['GUEST']),
  ]);
});
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map(async (cleanup) => cleanup()));
});
afterAll(() => system.stop());

const bookStay = stayBooker(() => system, { firstNight: 40 });

async function metrics(routerUrl = system.routerUrl): Promise<string> {
  return (await fetch(routerUrl.replace(/\/graphql$/, '/metrics'))).text();
}
async function activeSubscriptions(routerUrl = system.routerUrl): Promise<number> {
  return Number(/^live_subscriptions(?:\{[^}]*\})? (\d+)/m.exec(await metrics(routerUrl))?.[1] ?? NaN);
}
const untilSubscribed = (count: number, routerUrl = system.routerUrl) =>
  eventually(
    () => activeSubscriptions(routerUrl),
    (active) => active === count,
  );

/** A subscription through graphql-sse's own client, as an app would use it. */
interface SseTap {
  readonly results: ExecutionResult<Data>[];
  readonly ended: Promise<{ readonly completed: boolean; readonly error?: unknown }>;
}
function sseClient(options: {
  token?: string;
  url?: string | (() => string);
  retryAttempts?: number;
  /** Resume by the last cursor received, as EventSource does with Last-Event-ID. */
  resume?: boolean;
  /** The client's backoff before it reconnects: until this resolves. */
  reconnectAfter?: Promise<void>;
}): { client: SseClient; subscribe(query: string, variables?: Data): SseTap } {
  let lastCursor: string | undefined;
  const client = createClient({
    url: options.url ?? system.routerUrl,
    retryAttempts: options.retryAttempts ?? 0,
    retry: () => options.reconnectAfter ?? Promise.resolve(),
    headers: () => ({
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...(options.resume && lastCursor ? { 'last-event-id': lastCursor } : {}),
    }),
  });
  cleanups.push(() => client.dispose());
  return {
    client,
    subscribe(query, variables = {}) {
      const results: ExecutionResult<Data>[] = [];
      const ended = new Promise<{ completed: boolean; error?: unknown }>((resolve) => {
        client.subscribe<Data, Record<string, unknown>>(
          { query, variables },
          {
            next: (result) => {
              const cursor = result.extensions?.cursor;
              if (typeof cursor === 'string') lastCursor = cursor;
              results.push(result);
            },
            error: (error) => resolve({ completed: false, error }),
            complete: () => resolve({ completed: true }),
          },
        );
      });
      return { results, ended };
    },
  };
}

/** Apollo Client with nothing but its HttpLink: subscriptions go over multipart HTTP. */
function apolloClient(token?: string, uri = system.routerUrl) {
  const client = new ApolloClient({
    link: new HttpLink({ uri, headers: token ? { authorization: `Bearer ${token}` } : {} }),
    cache: new InMemoryCache(),
  });
  cleanups.push(() => client.stop());
  return client;
}
interface ApolloTap {
  readonly results: { data?: Data; error?: any; extensions?: Data }[];
  readonly ended: Promise<void>;
  stop(): void;
}
function apolloSubscribe(
  client: ApolloClient,
  query: string,
  variables: Data = {},
  extensions?: Record<string, unknown>,
): ApolloTap {
  const results: ApolloTap['results'] = [];
  let stop: () => void = () => undefined;
  const ended = new Promise<void>((resolve) => {
    const subscription = client.subscribe<Data>({ query: gql(query), variables, extensions }).subscribe({
      next: (result) => results.push(result),
      error: () => resolve(),
      complete: () => resolve(),
    });
    stop = () => {
      subscription.unsubscribe();
      resolve();
    };
  });
  cleanups.push(() => stop());
  return { results, ended, stop: () => stop() };
}

async function wire(
  transport: HttpTransport,
  request: Parameters<typeof openHttpLive>[2],
  routerUrl = system.routerUrl,
): Promise<HttpLiveStream> {
  const stream = await openHttpLive(routerUrl, transport, request);
  cleanups.push(() => stream.close());
  return stream;
}

describe('the graphql-sse client', () => {
  it("receives a guest's reservation as it changes, never another guest's", async () => {
    const roomId = await registerRoom(system, hana, { name: 'SSE loft' });
    const gusTap = sseClient({ token: gus }).subscribe(RESERVATION_CHANGED, { roomId });
    await untilSubscribed(1);
    const theirs = await bookStay(roomId, eve);
    const mine = await bookStay(roomId, gus);
    await eventually(
      async () => gusTap.results.map((result) => result.data?.reservationStatusChanged.status),
      (statuses) => statuses.includes('CONFIRMED'),
    );
    expect(new Set(gusTap.results.map((result) => result.data!.reservationStatusChanged.id))).toEqual(
      new Set([mine.id]),
    );
    expect(theirs.id).not.toBe(mine.id);
    expect(gusTap.results.at(-1)!.data!.reservationStatusChanged).toEqual({
      id: mine.id,
      guestId: 'gus',
      status: 'CONFIRMED',
      room: { id: roomId, name: 'SSE loft' },
    });
  });

  it('gets an error, not a stream, for a query it may not make, and the subscription ends', async () => {
    const guest = sseClient({ token: gus }).subscribe(DASHBOARD_UPDATED);
    expect(await guest.ended).toEqual({ completed: true });
    expect(codesOf(guest.results)).toEqual([['FORBIDDEN']]);
    const anonymous = sseClient({}).subscribe(DASHBOARD_UPDATED);
    expect(await anonymous.ended).toEqual({ completed: true });
    expect(codesOf(anonymous.results)).toEqual([['UNAUTHENTICATED']]);
  });

  it('is refused with 401 UNAUTHENTICATED for a bad token', async () => {
    const { error } = await sseClient({ token: 'not-a-jwt' }).subscribe(ROOM_CHANGED).ended;
    expect(error).toBeInstanceOf(NetworkError);
    const { response } = error as NetworkError<Response>;
    expect(response!.status).toBe(401);
    expect(((await response!.json()) as { errors: unknown[] }).errors).toEqual([
      expect.objectContaining({ extensions: { code: 'UNAUTHENTICATED' } }),
    ]);
  });
});

describe("Apollo Client's HttpLink (multipart)", () => {
  it('receives room changes, with fields of other subgraphs, without a WebSocket', async () => {
    const roomId = await registerRoom(system, hana, { name: 'Before' });
    const tap = apolloSubscribe(apolloClient(), ROOM_CHANGED, { roomId });
    await untilSubscribed(1);
    await system.graphql(UPDATE_ROOM, { id: roomId, name: 'After' }, hana);
    await eventually(
      async () => tap.results.at(-1)?.data?.roomChanged,
      (room) => room?.name === 'After',
    );
    expect(tap.results.at(-1)).toMatchObject({ data: { roomChanged: { id: roomId, name: 'After', reviewCount: 0 } } });
    expect(tap.results.every((result) => result.error === undefined)).toBe(true);
  });

  it('gets FORBIDDEN for a guest on the host dashboard', async () => {
    const tap = apolloSubscribe(apolloClient(gus), DASHBOARD_UPDATED);
    await tap.ended;
    expect(tap.results.map((result) => result.error?.errors?.map((error: any) => error.extensions?.code))).toEqual([
      ['FORBIDDEN'],
    ]);
  });

  it('gets UNAUTHENTICATED for a bad token', async () => {
    const tap = apolloSubscribe(apolloClient('not-a-jwt'), ROOM_CHANGED);
    await tap.ended;
    expect(tap.results.map((result) => result.error?.errors?.map((error: any) => error.extensions?.code))).toEqual([
      ['UNAUTHENTICATED'],
    ]);
  });

  it('leaves queries to the operations handler', async () => {
    const client = apolloClient();
    const answer = await client.query<Data>({ query: gql('{ rooms { totalCount } }') });
    expect(typeof answer.data?.rooms.totalCount).toBe('number');
  });
});

describe.each(['sse', 'multipart'] as const)('%s: refusals as over HTTP', (transport) => {
  it.each([
    ['malformed', () => Promise.resolve('not-a-jwt')],
    ['forged', () => tokenFor('mallory', ['ADMIN'], { secret: 'not-the-secret-of-this-router-0123456789' })],
    ['expired', () => tokenFor('gus', ['GUEST'], { expiresAt: Math.floor(Date.now() / 1000) - 60 })],
  ])('answers 401 UNAUTHENTICATED for a %s token, as over HTTP', async (_kind, makeToken) => {
    const token = await makeToken();
    const stream = await wire(transport, { query: ROOM_CHANGED, token });
    const overHttp = await system.graphql('{ rooms { totalCount } }', {}, token);
    expect(stream.status).toBe(401);
    expect(stream.status).toBe(overHttp.status);
    expect(stream.refusal!.errors.map((error) => error.extensions?.code)).toEqual(['UNAUTHENTICATED']);
    expect(stream.refusal!.errors[0].message).toBe(overHttp.errors![0].message);
  });

  it('answers a document that does not fit the schema with the status and codes of HTTP', async () => {
    const invalid = 'subscription { roomChanged { noSuchField } }';
    const stream = await wire(transport, { query: invalid });
    // Over HTTP, with what the same client accepts for a query (graphql-sse: anything).
    const overHttp = await postGraphQL(
      system.routerUrl,
      invalid,
      {},
      transport === 'sse' ? {} : { accept: ACCEPT_QUERY },
    );
    expect(stream.status).toBe(400);
    expect(stream.status).toBe(overHttp.status);
    expect(stream.contentType).toBe(
      transport === 'sse' ? 'application/json; charset=utf-8' : 'application/graphql-response+json; charset=utf-8',
    );
    expect(stream.refusal!.errors.map((error) => error.extensions?.code)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(overHttp.errors!.map((error) => error.extensions?.code)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
  });

  it('answers 200 with the errors, as HTTP does, a legacy client that prefers application/json', async () => {
    const invalid = 'subscription { roomChanged { noSuchField } }';
    const accept =
      transport === 'sse' ? 'text/event-stream' : 'multipart/mixed;subscriptionSpec="1.0", application/json';
    const stream = await wire(transport, { query: invalid, headers: { accept } });
    const overHttp = await postGraphQL(system.routerUrl, invalid, {}, { accept: 'application/json' });
    expect(overHttp.status).toBe(200);
    // SSE clients accept no JSON type: they get the 400.
    expect(stream.status).toBe(transport === 'sse' ? 400 : 200);
    expect(stream.refusal!.errors.map((error) => error.extensions?.code)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
  });

  it('bounds the streams one caller holds open', async () => {
    const held = await Promise.all([1, 2, 3].map(() => wire(transport, { query: ROOM_CHANGED, token: eve })));
    expect(held.map((stream) => stream.status)).toEqual([200, 200, 200]);
    const fourth = await wire(transport, { query: ROOM_CHANGED, token: eve });
    expect(fourth.status).toBe(400);
    expect(fourth.refusal!.errors[0].message).toMatch(/At most 3 subscriptions per caller/);
    // Another caller is not counted against eve.
    expect((await wire(transport, { query: ROOM_CHANGED, token: gus })).status).toBe(200);
    held[0].close();
    await eventually(
      async () => (await wire(transport, { query: ROOM_CHANGED, token: eve })).status,
      (status) => status === 200,
    );
  });

  it('keeps an idle stream alive with heartbeats', async () => {
    const stream = await wire(transport, { query: ROOM_CHANGED });
    await eventually(
      async () => stream.heartbeats(),
      (count) => count >= 3,
    );
    expect(stream.messages).toEqual([]);
  });
});

describe('SSE framing', () => {
  it('answers GET with the query in the URL, as EventSource subscribes', async () => {
    const roomId = await registerRoom(system, hana, { name: 'GET room' });
    const url = new URL(system.routerUrl);
    url.searchParams.set('query', ROOM_CHANGED);
    url.searchParams.set('variables', JSON.stringify({ roomId }));
    const abort = new AbortController();
    cleanups.push(() => abort.abort());
    const response = await fetch(url, { headers: { accept: 'text/event-stream' }, signal: abort.signal });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    await untilSubscribed(1);
    await system.graphql(UPDATE_ROOM, { id: roomId, name: 'GET room, renamed' }, hana);
    const reader = response.body!.getReader();
    let text = '';
    while (!text.includes('renamed')) text += new TextDecoder().decode((await reader.read()).value);
    expect(text).toMatch(/event: next\ndata: \{"data":\{"roomChanged":\{"id":"[^"]+","name":"GET room, renamed"/);
    // Each event's id is its cursor, which EventSource sends back as Last-Event-ID.
    const [, id, cursor] = /id: (\S+)\nevent: next\ndata: .*"cursor":"([^"]+)"/.exec(text)!;
    expect(id).toBe(cursor);
  });
});

describe.each(['sse', 'multipart'] as const)('%s: a client that does not read', (transport) => {
  it('is dropped, without delaying the others', async () => {
    // A router of its own, as for the WebSocket test of the same: a heavy payload (60 aliases).
    // Heartbeats every 100 ms also fall while a dropped stream is ending: they must not be written.
    const router = await system.spawnRouter({
      MAX_QUEUED_EVENTS_PER_SUBSCRIPTION: '5',
      MAX_QUERY_ALIASES: '60',
      SUBSCRIPTION_KEEPALIVE_MS: '100',
    });
    cleanups.push(() => router.stop());
    const everyRoom = await wire(transport, { query: ROOM_CHANGED }, router.url);
    await untilSubscribed(1, router.url);
    const roomId = await registerRoom(system, hana, { description: 'd'.repeat(2000) });
    // The room's own RoomRegistered must have passed this router before the clients below subscribe.
    await eventually(
      async () =>
        everyRoom.messages.some((message) => payloadOf(transport, message.data)?.data?.roomChanged.id === roomId),
      Boolean,
    );
    everyRoom.close();
    await untilSubscribed(0, router.url);
    const slow = await wire(transport, { query: HEAVY_ROOM_CHANGED, variables: { roomId } }, router.url);
    slow.pause();
    const fast = await wire(transport, { query: ROOM_CHANGED, variables: { roomId } }, router.url);
    await untilSubscribed(2, router.url);

    const published = await publishRoomRenames(system, roomId, 300);
    await eventually(
      async () => {
        router.assertRunning();
        return fast.messages.length;
      },
      (count) => count === published,
      { timeoutMs: 60_000 },
    );
    expect(await metric('live_clients_dropped_total', 'reason="too_slow"', router.url)).toBe(1);
    expect(await activeSubscriptions(router.url)).toBe(1);
    slow.resume();
    // Ended by the router, not completed: the client is to subscribe again and resume.
    expect(await slow.ended).toEqual({ completed: false });
  }, 120_000);
});

function codesOf(results: readonly ExecutionResult<Data>[]): (string | undefined)[][] {
  return results.map((result) => (result.errors ?? []).map((error) => error.extensions?.code as string | undefined));
}

function payloadOf(transport: HttpTransport, data: any): ExecutionResult<Data> | undefined {
  return transport === 'sse' ? data : data?.payload;
}

async function metric(name: string, labels: string, routerUrl = system.routerUrl): Promise<number> {
  const line = (await metrics(routerUrl)).split('\n').find((row) => row.startsWith(`${name}{`) && row.includes(labels));
  return Number(line?.split(' ').at(-1) ?? 0);
}

describe('when the router drains (SIGTERM)', () => {
  it('ends SSE streams without `complete` and multipart streams with a transport error, so that clients subscribe again', async () => {
    const router = await system.spawnRouter();
    let stopped = false;
    cleanups.push(() => (stopped ? undefined : router.stop()));
    const sse = sseClient({ url: router.url }).subscribe(ROOM_CHANGED);
    const multipart = apolloSubscribe(apolloClient(undefined, router.url), ROOM_CHANGED);
    await untilSubscribed(2, router.url);
    await router.stop();
    stopped = true;
    const ended = await sse.ended;
    expect(ended.completed).toBe(false);
    expect(ended.error).toBeInstanceOf(NetworkError);
    await multipart.ended;
    expect(
      multipart.results.map((result) => result.error?.errors?.map((error: any) => error.extensions?.code)),
    ).toEqual([['SERVICE_UNAVAILABLE']]);
    expect(multipart.results[0].error.errors[0].message).toMatch(/subscribe again, with the last cursor/);
  });
});

/** One subscription as an app would hold it, over either transport: its payloads, and their cursors. */
interface Received {
  readonly results: { readonly data?: Data | null; readonly codes: (string | undefined)[]; readonly cursor?: string }[];
  readonly ended: Promise<unknown>;
  stop(): void;
}
function subscribeVia(
  transport: HttpTransport,
  token: string,
  query: string,
  variables: Data,
  resumeFrom?: string,
  url = system.routerUrl,
): Received {
  if (transport === 'sse') {
    // As EventSource resumes: the last cursor in the Last-Event-ID header.
    const client = createClient({
      url,
      retryAttempts: 0,
      headers: { authorization: `Bearer ${token}`, ...(resumeFrom ? { 'last-event-id': resumeFrom } : {}) },
    });
    cleanups.push(() => client.dispose());
    const results: Received['results'][number][] = [];
    let stop: () => void = () => undefined;
    const ended = new Promise<void>((resolve) => {
      stop = client.subscribe<Data, Data>(
        { query, variables },
        {
          next: (result) =>
            results.push({ data: result.data, codes: codesOf([result])[0], cursor: result.extensions?.cursor }),
          error: () => resolve(),
          complete: () => resolve(),
        },
      );
    });
    return { results, ended, stop: () => stop() };
  }
  const tap = apolloSubscribe(apolloClient(token, url), query, variables, resumeFrom ? { resumeFrom } : undefined);
  return {
    get results() {
      return tap.results.map((result) => ({
        data: result.data,
        codes: (result.error?.errors ?? []).map((error: any) => error.extensions?.code as string | undefined),
        cursor: result.extensions?.cursor as string | undefined,
      }));
    },
    ended: tap.ended,
    stop: () => tap.stop(),
  };
}

const reservationsOf = (received: Received) =>
  received.results.map((result) => [
    result.data?.reservationStatusChanged.id as string | undefined,
    result.data?.reservationStatusChanged.status as string | undefined,
  ]);
describe.each(['sse', 'multipart'] as const)('%s: resume', (transport) => {
  const BY_ROOM = `subscription($roomId: ID) { reservationStatusChanged(roomId: $roomId) { id status } }`;

  it('after a disconnect: exactly the changed reservations the guest may see, once each, then live', async () => {
    const roomId = await registerRoom(system, hana);
    const before = subscribeVia(transport, gus, BY_ROOM, { roomId });
    await untilSubscribed(1);
    const first = await bookStay(roomId, gus);
    await eventually(
      async () => before.results.length,
      (count) => count === 2,
    );
    const cursor = before.results.at(-1)!.cursor!;
    expect(before.results.every((result) => typeof result.cursor === 'string')).toBe(true);
    before.stop();
    await untilSubscribed(0);

    // Five changes while gus is away: eve's reservation requested and confirmed (not his to see),
    // his first one cancelled, a second one of his requested and confirmed.
    const eves = await bookStay(roomId, eve);
    expect((await system.graphql(CANCEL, { id: first.id }, gus)).errors).toBeUndefined();
    const second = await bookStay(roomId, gus);
    await untilReservationEventsStored(system.nats.url, [
      ['ReservationConfirmed', eves.id],
      ['ReservationCancelled', first.id],
      ['ReservationConfirmed', second.id],
    ]);

    const resumed = subscribeVia(transport, gus, BY_ROOM, { roomId }, cursor);
    await eventually(
      async () => resumed.results.length,
      (count) => count === 2,
    );
    expect(reservationsOf(resumed)).toEqual(
      (await reservationChangesAfter(system.nats.url, sequenceOfCursor(cursor), [first.id, second.id])).map(
        ({ id }) => [id, id === first.id ? 'CANCELLED' : 'CONFIRMED'],
      ),
    );
    // Then live, nothing repeated at the seam: only the new reservation's changes follow.
    const third = await bookStay(roomId, gus);
    // Its two events (requested, confirmed), one payload each: both already CONFIRMED when the
    // router resolves the request's after the booking settled, so wait for the second payload.
    await eventually(
      async () => reservationsOf(resumed).slice(2),
      (later) => later.length >= 2 && later.at(-1)?.[1] === 'CONFIRMED',
    );
    expect(
      reservationsOf(resumed)
        .slice(2)
        .map(([id]) => id),
    ).toEqual([third.id, third.id]);
    expect(resumed.results.every((result) => result.codes.length === 0 && typeof result.cursor === 'string')).toBe(
      true,
    );
  });

  it('gets CURSOR_EXPIRED for a cursor this system did not issue', async () => {
    const refused = subscribeVia(transport, gus, BY_ROOM, {}, 'not-a-cursor');
    await refused.ended;
    expect(refused.results.map((result) => result.codes)).toEqual([['CURSOR_EXPIRED']]);
  });
});

describe('a router that drains (SIGTERM) or dies (SIGKILL) loses nothing', () => {
  const BY_ROOM = `subscription($roomId: ID) { reservationStatusChanged(roomId: $roomId) { id status } }`;

  it.each(['drained (SIGTERM)', 'killed (SIGKILL)'] as const)(
    "graphql-sse's client reconnects by itself to another router when its router is %s, and resumes with Last-Event-ID",
    async (how) => {
      const roomId = await registerRoom(system, hana);
      const draining = await system.spawnRouter();
      let stopped = false;
      cleanups.push(() => (stopped ? undefined : draining.stop()));
      // The load balancer: the first connection reaches the router about to drain, the next one another.
      const urls = [draining.url, system.routerUrl];
      let connections = 0;
      let reconnect: () => void = () => undefined;
      const tap = sseClient({
        token: gus,
        url: () => urls[Math.min(connections++, 1)],
        retryAttempts: 1,
        resume: true,
        reconnectAfter: new Promise((resolve) => (reconnect = resolve)),
      }).subscribe(BY_ROOM, { roomId });
      await untilSubscribed(1, draining.url);
      const first = await bookStay(roomId, gus);
      await eventually(
        async () => tap.results.length,
        (count) => count === 2,
      );
      if (how === 'killed (SIGKILL)') await draining.kill();
      else await draining.stop();
      stopped = true;
      // Changed while the client is away (its backoff before it reconnects).
      expect((await system.graphql(CANCEL, { id: first.id }, gus)).errors).toBeUndefined();
      await untilReservationEventsStored(system.nats.url, [['ReservationCancelled', first.id]]);
      reconnect();
      await eventually(
        async () => tap.results.map((result) => result.data?.reservationStatusChanged.status),
        (statuses) => statuses.includes('CANCELLED'),
      );
      expect(connections).toBe(2);
      // What it had, then what changed meanwhile, once, in its current state.
      expect(tap.results.map((result) => result.data?.reservationStatusChanged)).toEqual([
        { id: first.id, status: expect.any(String) },
        { id: first.id, status: 'CONFIRMED' },
        { id: first.id, status: 'CANCELLED' },
      ]);
    },
  );

  it('Apollo Client, told SERVICE_UNAVAILABLE, subscribes again with resumeFrom and misses nothing', async () => {
    const roomId = await registerRoom(system, hana);
    const draining = await system.spawnRouter();
    let stopped = false;
    cleanups.push(() => (stopped ? undefined : draining.stop()));
    const before = subscribeVia('multipart', gus, BY_ROOM, { roomId }, undefined, draining.url);
    await untilSubscribed(1, draining.url);
    const first = await bookStay(roomId, gus);
    await eventually(
      async () => before.results.length,
      (count) => count === 2,
    );
    await draining.stop();
    stopped = true;
    await before.ended;
    expect(before.results.at(-1)!.codes).toEqual(['SERVICE_UNAVAILABLE']);
    expect((await system.graphql(CANCEL, { id: first.id }, gus)).errors).toBeUndefined();
    await untilReservationEventsStored(system.nats.url, [['ReservationCancelled', first.id]]);
    const cursor = before.results.filter((result) => result.cursor).at(-1)!.cursor;
    const resumed = subscribeVia('multipart', gus, BY_ROOM, { roomId }, cursor);
    await eventually(
      async () => reservationsOf(resumed),
      (received) => received.some(([, status]) => status === 'CANCELLED'),
    );
    expect(reservationsOf(resumed)).toEqual([[first.id, 'CANCELLED']]);
  });
});
