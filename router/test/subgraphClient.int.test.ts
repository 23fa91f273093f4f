/**
 * The router's connections to a subgraph are kept alive and reused. A subgraph (or a proxy in
 * front of it) may close a reused connection just as the router sends the next request on it;
 * that must not fail a query, and must never send a mutation twice.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { GraphQLDataSourceRequestKind } from '@apollo/gateway/dist/datasources/types';
import { InternalTokens } from '@roombook/kernel';
import { parse } from 'graphql';
import { Registry } from 'prom-client';
import { eventually } from '../../test/support/streams';
import type { RouterContext } from '../src/gateway';
import { SubgraphClient, subgraphClientMetrics } from '../src/subgraphClient';

/** A subgraph that answers the first request of each connection and drops the connection under the second. */
class ClosingSubgraph {
  readonly received: string[] = [];
  private readonly server: Server;
  private readonly requestsBySocket = new Map<Socket, number>();

  constructor() {
    this.server = createServer((request: IncomingMessage, response: ServerResponse) => {
      const count = (this.requestsBySocket.get(request.socket) ?? 0) + 1;
      this.requestsBySocket.set(request.socket, count);
      if (count > 1) {
        request.socket.destroy();
        return;
      }
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        this.received.push(body);
        response.setHeader('content-type', 'application/json');
        response.end(JSON.stringify({ data: { room: { id: `answer-${this.received.length}` } } }));
      });
    });
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/graphql`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

const context: RouterContext = { identity: { kind: 'anonymous' } };

function fetchOf(query: string): GraphQLDataSourceProcessOptions<RouterContext> {
  return {
    kind: GraphQLDataSourceRequestKind.INCOMING_OPERATION,
    request: { query, variables: {} },
    context,
    document: parse(query),
    // The client reads the request, its context and its document only.
    incomingRequestContext: {} as never,
  };
}

/** Until the first connection is back in the pool, so that the next fetch goes out on it. */
const untilIdle = (subgraphClient: SubgraphClient) =>
  eventually(
    () => Promise.resolve(subgraphClient.connections()),
    ({ open, idle }) => open === 1 && idle === 1,
  );

let subgraph: ClosingSubgraph;
let client: SubgraphClient;

beforeEach(async () => {
  subgraph = new ClosingSubgraph();
  client = new SubgraphClient(
    'room',
    await subgraph.start(),
    subgraphClientMetrics(new Registry()),
    true,
    new InternalTokens('test-secret-of-16-chars'),
    10_000,
  );
});
afterEach(async () => {
  await client.close();
  await subgraph.stop();
});

it('answers a query whose reused connection the subgraph closed, by sending it again on a new one', async () => {
  const query = '{ room(id: "r1") { id } }';
  expect(await client.process(fetchOf(query))).toEqual({ data: { room: { id: 'answer-1' } } });
  await untilIdle(client);
  // The pool reuses the first connection, which the subgraph drops under this request.
  expect(await client.process(fetchOf(query))).toEqual({ data: { room: { id: 'answer-2' } } });
  expect(subgraph.received).toHaveLength(2);
});

it('never sends a mutation twice: a connection dropped under it is an error the client sees', async () => {
  const mutation = 'mutation { removeRoom(id: "r1") { id } }';
  await client.process(fetchOf('{ room(id: "r1") { id } }'));
  await untilIdle(client);
  await expect(client.process(fetchOf(mutation))).rejects.toMatchObject({
    extensions: { code: 'SERVICE_UNAVAILABLE' },
  });
  expect(subgraph.received).toHaveLength(1);
});

it("gives each caller of a merged fetch its own answer: one changing it changes no other's", async () => {
  // A subgraph that holds its answers until told, so that identical fetches are in flight together.
  const held: (() => void)[] = [];
  let requests = 0;
  const slow = createServer((_request, response) => {
    requests += 1;
    held.push(() => {
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ data: { room: { id: 'r1', host: { name: 'Ada' } } } }));
    });
  });
  await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve));
  const merging = new SubgraphClient(
    'room',
    `http://127.0.0.1:${(slow.address() as AddressInfo).port}/graphql`,
    subgraphClientMetrics(new Registry()),
    true,
    new InternalTokens('test-secret-of-16-chars'),
    10_000,
  );
  try {
    const query = '{ room(id: "r1") { id host { name } } }';
    const answers = [1, 2, 3].map(() => merging.process(fetchOf(query)));
    await eventually(
      () => Promise.resolve(held.length),
      (count) => count === 1,
    );
    held[0]();
    const [first, second, third] = await Promise.all(answers);
    expect(requests).toBe(1);
    // The executor merges later fetches into what it was given: each caller writes only its own.
    (first.data!.room as { host: { name: string } }).host.name = 'changed by the first caller';
    (third.data!.room as { id: string }).id = 'changed by the third caller';
    expect(second).toEqual({ data: { room: { id: 'r1', host: { name: 'Ada' } } } });
    expect(first.data!.room).not.toBe(second.data!.room);
    expect((third.data!.room as { host: unknown }).host).toEqual({ name: 'Ada' });
  } finally {
    await merging.close();
    slow.closeAllConnections();
    await new Promise((resolve) => slow.close(resolve));
  }
});
