import { ClientGone, SharedFetch } from '../src/deadlines';

/** A fetch under test control: it answers when told, and says whether it was abandoned. */
function controlledFetch() {
  let answer: (value: string) => void = () => undefined;
  let abandoned: AbortSignal | undefined;
  const shared = new SharedFetch<string>((signal) => {
    abandoned = signal;
    return new Promise((resolve) => (answer = resolve));
  });
  return { shared, answer: (value: string) => answer(value), abandoned: () => abandoned!.aborted };
}

describe('a fetch several callers wait for', () => {
  it('keeps going for the callers still there when one leaves', async () => {
    const { shared, answer, abandoned } = controlledFetch();
    const [leaving, staying] = [new AbortController(), new AbortController()];
    const left = shared.waitFor(leaving.signal);
    const stayed = shared.waitFor(staying.signal);
    leaving.abort(new ClientGone());
    await expect(left).rejects.toBeInstanceOf(ClientGone);
    expect(abandoned()).toBe(false);
    answer('rooms');
    await expect(stayed).resolves.toBe('rooms');
  });

  it('is abandoned once every caller has left', async () => {
    const { shared, abandoned } = controlledFetch();
    const callers = [new AbortController(), new AbortController()];
    const waits = callers.map((caller) => shared.waitFor(caller.signal));
    for (const caller of callers) caller.abort(new ClientGone());
    await Promise.allSettled(waits);
    expect(abandoned()).toBe(true);
    expect(shared.abandoned).toBe(true);
  });

  it('is never abandoned while a caller without a signal (a subscription) waits', async () => {
    const { shared, answer, abandoned } = controlledFetch();
    const client = new AbortController();
    const left = shared.waitFor(client.signal);
    const subscription = shared.waitFor(undefined);
    client.abort(new ClientGone());
    await expect(left).rejects.toBeInstanceOf(ClientGone);
    expect(abandoned()).toBe(false);
    answer('room');
    await expect(subscription).resolves.toBe('room');
  });
});
