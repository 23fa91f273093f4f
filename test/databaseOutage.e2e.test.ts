import { createServer, connect, type Server, type Socket } from 'node:net';
import { errorCodes } from './support/graphqlClient';
import { testMongoUrl } from './support/mongo';
import { eventually } from './support/streams';
import { startSystem, type TestSystem } from './support/system';
import { tokenFor } from './support/tokens';

/**
 * The room subgraph reaches the test's MongoDB server through this TCP relay, so the test can take
 * the database away from it (and give it back) without stopping the server other tests share.
 */
class DatabaseLink {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  port = 0;

  constructor(private readonly target: URL) {}

  async open(): Promise<void> {
    const server = createServer((client) => {
      const upstream = connect(Number(this.target.port), this.target.hostname);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('error', () => undefined);
        socket.on('close', () => this.sockets.delete(socket));
      }
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.port = (server.address() as { port: number }).port;
    this.server = server;
  }

  async cut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  }

  /** The MongoDB URL that goes through this link. */
  url(): string {
    const url = new URL(this.target.href);
    url.host = `127.0.0.1:${this.port}`;
    return url.href;
  }
}

const ROOMS = `query { rooms(first: 5) { totalCount } }`;
const REGISTER = `mutation($input: RegisterRoomInput!) { registerRoom(input: $input) { id } }`;
const LISTING = { name: 'Studio', city: 'Lyon', capacity: 2, pricePerNight: { amount: 10_000, currency: 'EUR' } };

let system: TestSystem;
let link: DatabaseLink;
let host: string;

beforeAll(async () => {
  link = new DatabaseLink(new URL(testMongoUrl()));
  await link.open();
  system = await startSystem(['room'], {
    subgraphs: { room: { MONGO_URL: link.url(), MONGO_TIMEOUT_MS: '500' } },
  });
  host = await tokenFor('hana', ['HOST']);
});
afterAll(async () => {
  await system.stop();
  await link.cut();
});

it('answers SERVICE_UNAVAILABLE, without the database address, while the database cannot be reached; then serves again', async () => {
  expect((await system.graphql(ROOMS)).errors).toBeUndefined();
  await link.cut();

  for (const answer of [await system.graphql(ROOMS), await system.graphql(REGISTER, { input: LISTING }, host)]) {
    expect(errorCodes(answer)).toEqual(['SERVICE_UNAVAILABLE']);
    const text = JSON.stringify(answer.errors);
    expect(text).not.toContain(String(link.port));
    expect(text).not.toMatch(/127\.0\.0\.1|localhost|ECONNREFUSED/);
  }

  await link.open();
  const back = await eventually(
    () => system.graphql(REGISTER, { input: LISTING }, host),
    (answer) => answer.errors === undefined,
  );
  expect(back.data?.registerRoom.id).toEqual(expect.any(String));
});
