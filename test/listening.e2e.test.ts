import { connect } from 'node:net';
import { ownInterface, type OwnInterface } from './support/ownInterface';
import { startSystem, type TestSystem } from './support/system';

/** Whether a TCP connection to host:port is accepted. */
function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, host);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

let system: TestSystem;
let external: OwnInterface;

beforeAll(async () => {
  external = ownInterface();
  system = await startSystem(['room']);
});
afterAll(async () => {
  await system?.stop();
  external?.remove();
});

it('a subgraph listens on loopback only by default; the router, the public edge, on every interface', async () => {
  const room = system.subgraph('room');
  expect(await accepts('127.0.0.1', room.port)).toBe(true);
  expect(await accepts(external.address, room.port)).toBe(false);
  expect(await accepts(external.address, Number(new URL(system.routerUrl).port))).toBe(true);
});
