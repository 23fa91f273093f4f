import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startNats } from '../../scripts/infra/nats';
import { findFreePorts } from '../../scripts/infra/ports';

export interface TestNatsServer {
  /** nats://127.0.0.1:<port>; the same across stop() and start(). */
  readonly url: string;
  /** Simulates a broker outage: the server goes away, its port and JetStream store stay. */
  stop(): Promise<void>;
  /** Ends the outage: the same server, same port, same streams and messages. */
  start(): Promise<void>;
  /** Stops the server and deletes its store. For afterAll. */
  close(): Promise<void>;
}

/** A nats-server with JetStream for one test file, on a free port, with its store in a fresh temporary directory. */
export async function startNatsServer(): Promise<TestNatsServer> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'roombook-test-nats-'));
  try {
    // Preferred, not fixed: a port free now can be taken by a parallel test file before the
    // server binds it, and then startNats picks others rather than failing the file.
    const [port, monitorPort] = await findFreePorts(2);
    const server = await startNats({
      dir,
      port: { preferred: port },
      monitorPort: { preferred: monitorPort },
      log: (line) => process.stderr.write(`[test nats] ${line}\n`),
    });
    return {
      url: server.url,
      stop: () => server.stop(),
      start: () => server.start(),
      async close() {
        await server.stop();
        await fs.rm(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await fs.rm(dir, { recursive: true, force: true });
    throw error;
  }
}
