import { InternalTokens, InvalidInternalToken, type Identity } from '../src';

const SECRET = 'test-secret-of-16-chars';
const hana: Identity = { kind: 'user', userId: 'hana', roles: ['HOST'] };

// Only the clock is faked: jose reads it (new Date()) to check exp, and the caches read Date.now().
beforeEach(() =>
  jest.useFakeTimers({
    now: new Date('2026-11-24T12:00:00.000Z'),
    doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask', 'setTimeout', 'setInterval', 'performance'],
  }),
);
afterEach(() => jest.useRealTimers());

const later = (ms: number) => jest.setSystemTime(Date.now() + ms);

describe('verifying', () => {
  it('knows a verified token again until it expires, then refuses it', async () => {
    const token = await new InternalTokens(SECRET, 'router', 60).sign(hana, 'room');
    const room = new InternalTokens(SECRET, 'room');
    expect(await room.verify(token)).toEqual(hana);
    later(59_999);
    expect(await room.verify(token)).toEqual(hana);
    later(1);
    await expect(room.verify(token)).rejects.toBeInstanceOf(InvalidInternalToken);
  });

  it('refuses a token addressed to another service, also after another service accepted it', async () => {
    const token = await new InternalTokens(SECRET).sign(hana, 'payment');
    expect(await new InternalTokens(SECRET, 'payment').verify(token)).toEqual(hana);
    await expect(new InternalTokens(SECRET, 'reservation').verify(token)).rejects.toBeInstanceOf(InvalidInternalToken);
  });

  it('refuses a token signed with another secret', async () => {
    const token = await new InternalTokens('another-secret-of-16-chars').sign(hana, 'room');
    await expect(new InternalTokens(SECRET, 'room').verify(token)).rejects.toBeInstanceOf(InvalidInternalToken);
  });
});

describe('signing', () => {
  it('reuses a token while over half its lifetime is left, then signs a new one valid for the whole lifetime', async () => {
    const router = new InternalTokens(SECRET, 'router', 60);
    const first = await router.sign(hana, 'room');
    later(29_999);
    expect(await router.sign(hana, 'room')).toBe(first);
    later(1);
    const second = await router.sign(hana, 'room');
    expect(second).not.toBe(first);
    later(59_999);
    expect(await new InternalTokens(SECRET, 'room').verify(second)).toEqual(hana);
  });

  it('signs a token that lives its whole lifetime when signed within a second (exp is in whole seconds)', async () => {
    later(900);
    const token = await new InternalTokens(SECRET, 'router', 2).sign(hana, 'room');
    later(2_000);
    expect(await new InternalTokens(SECRET, 'room').verify(token)).toEqual(hana);
  });

  it('signs apart for each caller and each audience', async () => {
    const router = new InternalTokens(SECRET);
    const tokens = new Set([
      await router.sign(hana, 'room'),
      await router.sign(hana, 'payment'),
      await router.sign({ kind: 'user', userId: 'gus', roles: ['GUEST'] }, 'room'),
      await router.sign({ kind: 'anonymous' }, 'room'),
    ]);
    expect(tokens.size).toBe(4);
  });
});
