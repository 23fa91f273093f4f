import net from 'node:net';
import { findFreePort, startOnChosenPorts } from '../../scripts/infra/ports';

/** Another process taking `port`, as a second npm start or a parallel test would. */
async function occupy(port: number): Promise<net.Server> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return server;
}

const close = (server: net.Server) => new Promise<void>((resolve) => server.close(() => resolve()));

describe('starting a server on a chosen port', () => {
  it('tries once more elsewhere when its preferred port was taken before it could bind it', async () => {
    const preferred = await findFreePort();
    let thief: net.Server | undefined;
    const tried: number[] = [];
    try {
      const started = await startOnChosenPorts([{ preferred }], async ([port]) => {
        tried.push(port);
        if (thief === undefined) {
          thief = await occupy(port);
          throw new Error('address already in use');
        }
        return port;
      });
      expect(tried[0]).toBe(preferred);
      expect(started).not.toBe(preferred);
      expect(tried).toEqual([preferred, started]);
    } finally {
      if (thief) await close(thief);
    }
  });

  it('reports any other failure as it is, without a second attempt', async () => {
    const preferred = await findFreePort();
    let attempts = 0;
    const failing = startOnChosenPorts([{ preferred }], async () => {
      attempts += 1;
      throw new Error('the server exited: bad flag');
    });
    await expect(failing).rejects.toThrow('bad flag');
    expect(attempts).toBe(1);
  });

  it('never moves a fixed port', async () => {
    const fixed = await findFreePort();
    const thief = await occupy(fixed);
    try {
      let attempts = 0;
      const failing = startOnChosenPorts([fixed], async () => {
        attempts += 1;
        throw new Error('address already in use');
      });
      await expect(failing).rejects.toThrow('address already in use');
      expect(attempts).toBe(1);
    } finally {
      await close(thief);
    }
  });
});
