import { networkInterfaces } from 'node:os';
import { connect } from 'node:net';
import { startSystem, type TestSystem } from './support/system';

/** An IPv4 address of this machine other than loopback: where another machine would reach it. */
function externalAddress(): string {
  const address = Object.values(networkInterfaces())
    .flat()
    .find((candidate) => candidate?.family === 'IPv4' && !candidate.internal)?.address;
  if (!address) throw new Error('this test needs a network interface other than loopback');
  return address;
}

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

beforeAll(async () => {
  system = await startSystem(['room']);
});
afterAll(() => system.stop());

it('a subgraph listens on loopback only by default; the router, the public edge, on every interface', async () => {
  const room = system.subgraph('room');
  expect(await accepts('127.0.0.1', room.port)).toBe(true);
  expect(await accepts(externalAddress(), room.port)).toBe(false);
  expect(await accepts(externalAddress(), Number(new URL(system.routerUrl).port))).toBe(true);
});
