import {
  ConfigError,
  DEV_SUBGRAPH_SECRET,
  assertProductionSecrets,
  drainDelayMs,
  parseConfig,
  subgraphEnv,
} from '../src';

describe('service configuration', () => {
  it('names every missing or malformed variable at once', () => {
    const attempt = () => parseConfig(subgraphEnv, { PORT: 'eighty', MONGO_URL: 'http://db' });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/PORT: .*\n.*MONGO_URL: must be a mongodb:\/\/ URL\n.*NATS_URL: is not set/);
  });

  it('has a subgraph listen on the loopback interface unless HOST says otherwise', () => {
    const required = { PORT: '4001', MONGO_URL: 'mongodb://db', NATS_URL: 'nats://nats:4222' };
    expect(parseConfig(subgraphEnv, required).HOST).toBe('127.0.0.1');
    expect(parseConfig(subgraphEnv, { ...required, HOST: '0.0.0.0' }).HOST).toBe('0.0.0.0');
  });

  it('refuses the public default secret in production only', () => {
    const secrets = { SUBGRAPH_SECRET: { value: DEV_SUBGRAPH_SECRET, devDefault: DEV_SUBGRAPH_SECRET } };
    expect(() => assertProductionSecrets('production', secrets)).toThrow(/SUBGRAPH_SECRET: must be set in production/);
    expect(() => assertProductionSecrets('development', secrets)).not.toThrow();
  });

  it('drains for 5 s in production and not at all elsewhere unless DRAIN_DELAY_MS says otherwise', () => {
    const base = { PORT: '0', MONGO_URL: 'mongodb://db', NATS_URL: 'nats://broker' };
    const delayIn = (env: Record<string, string>) => drainDelayMs(parseConfig(subgraphEnv, { ...base, ...env }));
    expect(delayIn({ NODE_ENV: 'production' })).toBe(5_000);
    expect(delayIn({ NODE_ENV: 'test' })).toBe(0);
    expect(delayIn({})).toBe(0);
    expect(delayIn({ NODE_ENV: 'production', DRAIN_DELAY_MS: '0' })).toBe(0);
    expect(delayIn({ NODE_ENV: 'test', DRAIN_DELAY_MS: '1500' })).toBe(1_500);
    expect(() => delayIn({ DRAIN_DELAY_MS: 'soon' })).toThrow(/DRAIN_DELAY_MS: /);
  });

  describe('in production, secrets that are guessable', () => {
    const devDefault = DEV_SUBGRAPH_SECRET;
    const check = (value: string) => () =>
      assertProductionSecrets('production', { SUBGRAPH_SECRET: { value, devDefault } });

    it.each([
      ['the local default with a space around it', ` ${DEV_SUBGRAPH_SECRET} `],
      ['the local default with something added', `${DEV_SUBGRAPH_SECRET}-2026`],
    ])('refuses %s', (_case, value) => {
      expect(check(value)).toThrow(ConfigError);
      expect(check(value)).toThrow(/^Invalid configuration:\n {2}- SUBGRAPH_SECRET: must be set in production/);
    });

    it.each([
      ['a run of one letter', 'a'.repeat(32)],
      ['two characters repeated', 'ab'.repeat(16)],
      ['seven distinct characters', 'abcdefg'.repeat(5)],
    ])('refuses %s, naming the rule', (_case, value) => {
      expect(check(value)).toThrow(/SUBGRAPH_SECRET: must have at least 8 distinct characters in production/);
    });

    it('accepts a random secret, and anything outside production', () => {
      expect(check('k7Qz2pXv9LmR4sTw8YbN1cJe6HgU3dFa')).not.toThrow();
      expect(() =>
        assertProductionSecrets('development', { SUBGRAPH_SECRET: { value: 'a'.repeat(32), devDefault } }),
      ).not.toThrow();
    });

    it('names every bad secret at once, never its value', () => {
      const attempt = () =>
        assertProductionSecrets('production', {
          JWT_SECRET: { value: 'x'.repeat(40), devDefault: 'dev-only-jwt-secret-change-me-0123456789' },
          SUBGRAPH_SECRET: { value: `${DEV_SUBGRAPH_SECRET} `, devDefault },
        });
      expect(attempt).toThrow(/JWT_SECRET: .*\n.*SUBGRAPH_SECRET: /);
      expect(attempt).not.toThrow(/xxxx|change-me/);
    });
  });
});
