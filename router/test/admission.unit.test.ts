import { Admission } from '../src/loadShedding';

const limits = { maxConcurrent: 2, maxQueued: 2, queueTimeoutMs: 1_000 };

describe('Admission', () => {
  it('admits up to its limit at once, queues a bounded few in arrival order, refuses the rest', async () => {
    const admission = new Admission(limits);
    const first = await admission.enter();
    const second = await admission.enter();
    const order: string[] = [];
    const third = admission.enter().then((entered) => (order.push('third'), entered));
    const fourth = admission.enter().then((entered) => (order.push('fourth'), entered));
    expect(await admission.enter()).toEqual({ refused: 'queue_full' });
    expect([admission.executing, admission.queued]).toEqual([2, 2]);

    if (!('release' in first) || !('release' in second)) throw new Error('the first two must be admitted');
    first.release();
    first.release(); // a second release of the same turn changes nothing
    const admittedThird = await third;
    expect(admittedThird).toHaveProperty('release');
    expect([admission.executing, admission.queued]).toEqual([2, 1]);
    second.release();
    expect(await fourth).toHaveProperty('release');
    expect(order).toEqual(['third', 'fourth']);
    expect([admission.executing, admission.queued]).toEqual([2, 0]);
  });

  it('refuses an operation that waited longer than the queue timeout', async () => {
    jest.useFakeTimers();
    try {
      const admission = new Admission({ ...limits, maxConcurrent: 1 });
      await admission.enter();
      const waiting = admission.enter();
      jest.advanceTimersByTime(limits.queueTimeoutMs);
      expect(await waiting).toEqual({ refused: 'queue_timeout' });
      expect(admission.queued).toBe(0);
    } finally {
      jest.useRealTimers();
    }
  });

  it('drops a waiting operation whose client left, and gives its place to the next one', async () => {
    const admission = new Admission({ ...limits, maxConcurrent: 1, maxQueued: 1 });
    const running = await admission.enter();
    const client = new AbortController();
    const leaving = admission.enter(client.signal);
    client.abort();
    expect(await leaving).toEqual({ refused: 'abandoned' });
    const next = admission.enter();
    expect(admission.queued).toBe(1);
    if ('release' in running) running.release();
    expect(await next).toHaveProperty('release');
  });
});
