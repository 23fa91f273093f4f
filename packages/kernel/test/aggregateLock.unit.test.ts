import { AggregateLock } from '../src';

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}

describe('AggregateLock', () => {
  it('runs work on one aggregate one at a time, in arrival order', async () => {
    const lock = new AggregateLock();
    const order: string[] = [];
    const gate = deferred();
    const first = lock.run('room-1', async () => {
      order.push('first starts');
      await gate.promise;
      order.push('first ends');
    });
    const second = lock.run('room-1', async () => void order.push('second runs'));
    await Promise.resolve();
    expect(order).toEqual(['first starts']);
    gate.resolve();
    await Promise.all([first, second]);
    expect(order).toEqual(['first starts', 'first ends', 'second runs']);
  });

  it('lets different aggregates proceed side by side', async () => {
    const lock = new AggregateLock();
    const gate = deferred();
    const blocked = lock.run('room-1', () => gate.promise);
    await expect(lock.run('room-2', async () => 'done')).resolves.toBe('done');
    gate.resolve();
    await blocked;
  });

  it('releases the aggregate when the work fails', async () => {
    const lock = new AggregateLock();
    await expect(lock.run('room-1', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(lock.run('room-1', async () => 'next')).resolves.toBe('next');
  });

  it('holds several aggregates at once, and two overlapping sets taken in any order do not wait on each other forever', async () => {
    const lock = new AggregateLock();
    const gate = deferred();
    const order: string[] = [];
    const started = deferred();
    const both = lock.runAll(['room-2', 'room-1'], async () => {
      order.push('both start');
      started.resolve();
      await gate.promise;
      order.push('both end');
    });
    await started.promise;
    const reversed = lock.runAll(['room-1', 'room-2'], async () => void order.push('reversed runs'));
    const single = lock.run('room-2', async () => void order.push('room-2 runs'));
    await new Promise((resolve) => setImmediate(resolve));
    expect(order).toEqual(['both start']);
    gate.resolve();
    await Promise.all([both, reversed, single]);
    expect(order[1]).toBe('both end');
    expect(order).toHaveLength(4);
  });
});
