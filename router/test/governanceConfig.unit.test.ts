import { ConfigError, parseConfig } from '@roombook/kernel';
import { configSchema, rateLimits, trustedDocumentsMode } from '../src/config';

function problemsOf(environment: Record<string, string>): readonly string[] {
  try {
    parseConfig(configSchema, environment);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
}

describe('trusted documents settings', () => {
  it('enforce in production and audit elsewhere when a manifest is named, off without one', () => {
    const path = { PERSISTED_DOCUMENTS_PATH: '/app/manifest.json' };
    expect(trustedDocumentsMode(configSchema.parse({ ...path, NODE_ENV: 'production' }))).toBe('enforce');
    expect(trustedDocumentsMode(configSchema.parse({ ...path, NODE_ENV: 'development' }))).toBe('audit');
    expect(trustedDocumentsMode(configSchema.parse({ ...path, PERSISTED_DOCUMENTS_MODE: 'off' }))).toBe('off');
    expect(trustedDocumentsMode(configSchema.parse({ NODE_ENV: 'production' }))).toBe('off');
  });

  it('names a mode that needs a manifest without one, before anything starts', () => {
    expect(problemsOf({ PERSISTED_DOCUMENTS_MODE: 'enforce' })).toEqual([
      'PERSISTED_DOCUMENTS_MODE: enforce needs PERSISTED_DOCUMENTS_PATH (the manifest of trusted documents)',
    ]);
    expect(problemsOf({ PERSISTED_DOCUMENTS_MODE: 'strict' })[0]).toMatch(/^PERSISTED_DOCUMENTS_MODE: /);
  });
});

describe('rate limit settings', () => {
  it('are off unless a rate is set, and burst twice the rate by default', () => {
    expect(rateLimits(configSchema.parse({}))).toBeUndefined();
    expect(rateLimits(configSchema.parse({ RATE_LIMIT_PER_SECOND: '0' }))).toBeUndefined();
    expect(rateLimits(configSchema.parse({ RATE_LIMIT_PER_SECOND: '20' }))).toEqual({ ratePerSecond: 20, burst: 40 });
    expect(rateLimits(configSchema.parse({ RATE_LIMIT_PER_SECOND: '0.2' }))).toEqual({ ratePerSecond: 0.2, burst: 1 });
  });

  it('names a burst without a rate', () => {
    expect(problemsOf({ RATE_LIMIT_BURST: '10' })).toEqual([
      'RATE_LIMIT_BURST: needs RATE_LIMIT_PER_SECOND (without a rate there is no limit)',
    ]);
  });
});
