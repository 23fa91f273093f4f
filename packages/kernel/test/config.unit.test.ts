import { ConfigError, DEV_SUBGRAPH_SECRET, assertProductionSecrets, parseConfig, subgraphEnv } from '../src';

describe('service configuration', () => {
  it('names every missing or malformed variable at once', () => {
    const attempt = () => parseConfig(subgraphEnv, { PORT: 'eighty', MONGO_URL: 'http://db' });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/PORT: .*\n.*MONGO_URL: must be a mongodb:\/\/ URL\n.*NATS_URL: is not set/);
  });

  it('refuses the public default secret in production only', () => {
    const secrets = { SUBGRAPH_SECRET: { value: DEV_SUBGRAPH_SECRET, devDefault: DEV_SUBGRAPH_SECRET } };
    expect(() => assertProductionSecrets('production', secrets)).toThrow(/SUBGRAPH_SECRET: must be set in production/);
    expect(() => assertProductionSecrets('development', secrets)).not.toThrow();
  });
});
