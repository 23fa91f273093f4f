import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ReadinessGatedPool } from './support/readinessGate';
import { eventually } from './support/streams';

/**
 * The rolling-update test's balancer acts on readiness as the kubelet does with the manifests'
 * probes: a probe lost to a busy machine does not take an instance out of rotation, two in a row do.
 */
describe('ReadinessGatedPool', () => {
  const PROBE_TIMEOUT_MS = 200;
  let server: http.Server;
  let pool: ReadinessGatedPool;
  /** What the instance does with each probe, in order; then `steady` for every later one. */
  let script: Array<'answer' | 'hang'>;
  let steady: 200 | 503;
  let probes: number;

  beforeEach(async () => {
    script = [];
    steady = 200;
    probes = 0;
    server = http.createServer((_req, res) => {
      probes += 1;
      const step = script.shift() ?? 'answer';
      // A hung probe is answered once the prober has given up on it.
      if (step === 'hang') setTimeout(() => res.writeHead(steady).end(), PROBE_TIMEOUT_MS * 3).unref();
      else res.writeHead(steady).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    pool = new ReadinessGatedPool(10, { failureThreshold: 2, timeoutMs: PROBE_TIMEOUT_MS });
    pool.add('instance', `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    pool.start();
    await pool.untilChosen('instance');
  });

  afterEach(async () => {
    await pool.stop();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('keeps an instance in rotation when one probe is lost, and takes it out when it answers 503', async () => {
    script = ['hang'];
    const hungAt = probes;
    await eventually(
      async () => probes,
      (count) => count > hungAt + 2,
    );
    expect(pool.seen('instance')).toEqual(['ready']);
    expect(pool.choose()?.name).toBe('instance');

    steady = 503;
    const seen = await eventually(
      async () => [...pool.seen('instance')],
      (changes) => changes.length > 1,
    );
    expect(seen).toEqual(['ready', 'not-ready']);
    expect(pool.choose()).toBeUndefined();
  });

  it('takes an instance out of rotation when two probes in a row are lost', async () => {
    script = ['hang', 'hang'];
    steady = 503;
    const seen = await eventually(
      async () => [...pool.seen('instance')],
      (changes) => changes.length > 2,
    );
    // Out at the second lost probe, before any 503 was seen.
    expect(seen).toEqual(['ready', 'unreachable', 'not-ready']);
    expect(pool.choose()).toBeUndefined();
  });
});
