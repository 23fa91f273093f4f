import net from 'node:net';

/**
 * `count` distinct TCP ports on 127.0.0.1 that nothing listens on right now (the OS picks them).
 * All are held open until each is known, so the OS cannot hand out the same port twice.
 */
export async function findFreePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(Array.from({ length: count }, listenOnAnyPort));
  const ports = servers.map((server) => (server.address() as net.AddressInfo).port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

export async function findFreePort(): Promise<number> {
  const [port] = await findFreePorts(1);
  return port;
}

export async function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A fixed port, or one preferred (so addresses stay the same from run to run) and replaced by any free port when taken. */
export type PortRequest = number | { readonly preferred: number };

export async function choosePort(request: PortRequest): Promise<number> {
  if (typeof request === 'number') return request;
  return (await isPortFree(request.preferred)) ? request.preferred : findFreePort();
}

function listenOnAnyPort(): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

/**
 * Runs `start` on ports chosen for `requests`. A port found free can still be taken by another
 * process before our server binds it (two `npm start`s at once, tests in parallel): when `start`
 * fails and a port that was only preferred is no longer free, it tries once more on ports the OS
 * picks. Fixed ports are never changed.
 */
export async function startOnChosenPorts<Started>(
  requests: readonly PortRequest[],
  start: (ports: number[]) => Promise<Started>,
): Promise<Started> {
  const ports: number[] = [];
  for (const request of requests) ports.push(await choosePort(request));
  try {
    return await start(ports);
  } catch (error) {
    const takenMeanwhile = await Promise.all(
      ports.map(async (port, index) => typeof requests[index] !== 'number' && !(await isPortFree(port))),
    );
    if (!takenMeanwhile.includes(true)) throw error;
    const picked = await findFreePorts(requests.length);
    return start(requests.map((request, index) => (typeof request === 'number' ? request : picked[index])));
  }
}
