/**
 * The app's subscription link against a real graphql-ws server that follows runtime.md's resume
 * contract (a cursor on every payload; `extensions.resumeFrom` on subscribe; CURSOR_EXPIRED for a
 * cursor it no longer has): after the server goes away and comes back on its port, the link
 * resumes from the last cursor it received, so nothing is missed and nothing repeats; when it
 * cannot resume, it asks the views to refetch and subscribes afresh.
 */
import { createServer, type Server } from 'node:http';
import { ApolloClient, InMemoryCache, gql } from '@apollo/client';
import { GraphQLError, buildSchema, parse } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import WebSocket, { WebSocketServer } from 'ws';
import { findFreePort } from '../../scripts/infra/ports';
import { eventually } from '../../test/support/streams';
import { LiveLink } from '../src/apollo/liveLink';

const schema = buildSchema('type Query { ok: Boolean } type Subscription { tick: Int! }');
const TICKS = gql`
  subscription Ticks {
    tick
  }
`;

/** The event log: tick n has cursor "c<n>". Cursors before `oldestKept` have expired. */
class TickServer {
  readonly log: number[] = [];
  oldestKept = 1;
  sendCursors = true;
  /** `resumeFrom` of every subscribe the server received, in order. */
  readonly resumes: (string | undefined)[] = [];
  private readonly pushes = new Set<(tick: number) => void>();
  private http: Server | undefined;
  private wss: WebSocketServer | undefined;

  constructor(readonly port: number) {}

  async start(): Promise<void> {
    this.http = createServer();
    this.wss = new WebSocketServer({ server: this.http, path: '/graphql' });
    useServer(
      {
        schema,
        onSubscribe: (_ctx, _id, payload) => {
          const resumeFrom = payload.extensions?.resumeFrom as string | undefined;
          this.resumes.push(resumeFrom);
          if (resumeFrom && Number(resumeFrom.slice(1)) < this.oldestKept) {
            return [new GraphQLError('The cursor has expired', { extensions: { code: 'CURSOR_EXPIRED' } })];
          }
          return {
            schema,
            document: parse(payload.query),
            contextValue: { after: Number(resumeFrom?.slice(1) ?? 0) },
          };
        },
        subscribe: ({ contextValue }) => this.ticksAfter((contextValue as { after: number }).after),
        onNext: (_ctx, _id, _payload, _args, result) => ({
          ...result,
          extensions: this.sendCursors ? { cursor: `c${(result.data as { tick: number }).tick}` } : undefined,
        }),
      },
      this.wss,
    );
    await new Promise<void>((resolve) => this.http!.listen(this.port, '127.0.0.1', resolve));
  }

  /** What changed after the cursor, in order, then live ticks. */
  private async *ticksAfter(after: number): AsyncGenerator<{ data: { tick: number } }> {
    const queue = after > 0 ? this.log.filter((tick) => tick > after) : [];
    let wake: (() => void) | undefined;
    const push = (tick: number) => {
      queue.push(tick);
      wake?.();
    };
    this.pushes.add(push);
    try {
      for (;;) {
        while (queue.length > 0) yield { data: { tick: queue.shift()! } };
        await new Promise<void>((resolve) => (wake = resolve));
      }
    } finally {
      this.pushes.delete(push);
    }
  }

  tick(): void {
    const tick = this.log.length + 1;
    this.log.push(tick);
    for (const push of this.pushes) push(tick);
  }

  /** As a router that stops: every socket dropped, nothing listening. */
  async stop(): Promise<void> {
    for (const socket of this.wss?.clients ?? []) socket.terminate();
    await new Promise<void>((resolve) => this.wss!.close(() => resolve()));
    await new Promise<void>((resolve) => this.http!.close(() => resolve()));
  }
}

let server: TickServer;
let sockets: Client;
let apollo: ApolloClient;
let gaps: number;
let received: number[];

beforeEach(async () => {
  server = new TickServer(await findFreePort());
  await server.start();
  gaps = 0;
  received = [];
  sockets = createClient({
    url: `ws://127.0.0.1:${server.port}/graphql`,
    webSocketImpl: WebSocket,
    retryAttempts: Infinity,
    shouldRetry: () => true,
    retryWait: () => new Promise((resolve) => setTimeout(resolve, 50)),
  });
  apollo = new ApolloClient({
    cache: new InMemoryCache(),
    link: new LiveLink(sockets, { operationId: () => undefined, onGap: () => gaps++ }),
  });
  apollo.subscribe({ query: TICKS }).subscribe({
    next: (result) => received.push((result.data as { tick: number }).tick),
  });
  await eventually(
    async () => server.resumes.length,
    (count) => count === 1,
  );
});
afterEach(async () => {
  apollo.stop();
  await sockets.dispose();
  await server.stop();
});

async function restartWhile(whileDown: () => void): Promise<void> {
  await server.stop();
  whileDown();
  await server.start();
}

it('resumes from the last cursor after the server comes back: nothing missed, nothing twice', async () => {
  server.tick();
  server.tick();
  await eventually(
    async () => received,
    (ticks) => ticks.length === 2,
  );
  await restartWhile(() => {
    server.tick();
    server.tick();
  });
  await eventually(
    async () => received,
    (ticks) => ticks.length >= 4,
  );
  server.tick();
  await eventually(
    async () => received,
    (ticks) => ticks.length >= 5,
  );
  expect(received).toEqual([1, 2, 3, 4, 5]);
  expect(server.resumes).toEqual([undefined, 'c2']);
  expect(gaps).toBe(0);
});

it('refetches and subscribes afresh when its cursor has expired', async () => {
  server.tick();
  await eventually(
    async () => received,
    (ticks) => ticks.length === 1,
  );
  await restartWhile(() => {
    server.tick();
    server.tick();
    server.oldestKept = 3;
  });
  await eventually(
    async () => server.resumes,
    (resumes) => resumes.length === 3,
  );
  expect(server.resumes).toEqual([undefined, 'c1', undefined]);
  expect(gaps).toBe(1);
  server.tick();
  await eventually(
    async () => received,
    (ticks) => ticks.includes(4),
  );
});

it('refetches what the views show when the server sent no cursor to resume from', async () => {
  server.sendCursors = false;
  server.tick();
  await eventually(
    async () => received,
    (ticks) => ticks.length === 1,
  );
  await restartWhile(() => server.tick());
  await eventually(
    async () => gaps,
    (count) => count === 1,
  );
  expect(server.resumes).toEqual([undefined, undefined]);
});
