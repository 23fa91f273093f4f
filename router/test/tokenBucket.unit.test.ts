import { takeToken } from '../src/rateLimits/tokenBucket';

const limits = { ratePerSecond: 2, burst: 3 };

it('lets a rested caller send a burst, then one request per refill', () => {
  let state = undefined as Parameters<typeof takeToken>[0];
  for (let request = 0; request < 3; request += 1) {
    const taken = takeToken(state, 1_000, limits);
    expect(taken.allowed).toBe(true);
    state = taken.state;
  }
  const refused = takeToken(state, 1_000, limits);
  expect(refused).toMatchObject({ allowed: false, retryAfterSeconds: 1 });
  // Half a second later one token has come back, and only one.
  const next = takeToken(state, 1_500, limits);
  expect(next.allowed).toBe(true);
  expect(takeToken(next.state, 1_500, limits).allowed).toBe(false);
});

it('never fills a bucket beyond its burst, however long the caller rested', () => {
  const rested = takeToken({ tokens: 0, at: 0 }, 3_600_000, limits);
  expect(rested.state.tokens).toBe(2);
});

it('says when the next token comes, in whole seconds, for slow rates', () => {
  const slow = { ratePerSecond: 0.2, burst: 1 };
  const first = takeToken(undefined, 0, slow);
  expect(takeToken(first.state, 0, slow)).toMatchObject({ allowed: false, retryAfterSeconds: 5 });
  expect(takeToken(first.state, 4_100, slow)).toMatchObject({ allowed: false, retryAfterSeconds: 1 });
});

it('takes nothing back when the state was written by a replica whose clock is ahead', () => {
  expect(takeToken({ tokens: 1.5, at: 10_000 }, 9_000, limits)).toMatchObject({
    allowed: true,
    state: { tokens: 0.5 },
  });
});
