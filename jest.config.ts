/** @jest-config-loader esbuild-register */
// Node 20 cannot load a TypeScript config by itself; esbuild-register (a devDependency) does.
import os from 'node:os';
import type { Config } from 'jest';

/** TypeScript to CommonJS, as Node 20 runs it under Jest; no decorators anywhere in this codebase. */
const swcTypeScript = {
  jsc: { parser: { syntax: 'typescript', decorators: false }, target: 'es2022' },
  module: { type: 'commonjs' },
  sourceMaps: 'inline',
} as const;

/** ESM-only dependencies must be compiled to CommonJS too, or `import { jwtVerify } from 'jose'` fails. */
const swcJavaScript = {
  jsc: { parser: { syntax: 'ecmascript' }, target: 'es2022' },
  module: { type: 'commonjs' },
} as const;
const ESM_ONLY_PACKAGES = ['jose', '@nats-io', 'graphql-ws', 'p-limit', 'yocto-queue'];

export const common = {
  testEnvironment: 'node',
  roots: ['packages', 'subgraphs', 'router', 'schema', 'scripts', 'test', 'client'].map((dir) => `<rootDir>/${dir}`),
  transform: {
    '^.+\\.(ts|mts|cts)$': ['@swc/jest', swcTypeScript],
    '^.+\\.(js|mjs|cjs)$': ['@swc/jest', swcJavaScript],
  },
  transformIgnorePatterns: [`/node_modules/(?!(${ESM_ONLY_PACKAGES.join('|')})/)`],
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/.data/'],
} satisfies Config;

/**
 * Integration and end-to-end tests share one MongoDB-wire server per run and need longer than 5 s;
 * whatever they start is stopped when the run ends, however it ends (test/setup/processReaper.ts).
 */
export const withRealServers = {
  globalSetup: '<rootDir>/test/setup/startTestMongo.ts',
  globalTeardown: '<rootDir>/test/setup/stopTestMongo.ts',
  setupFiles: ['<rootDir>/test/setup/recordWorker.ts'],
  setupFilesAfterEnv: ['<rootDir>/test/setup/longTestTimeout.ts'],
} satisfies Config;

const config: Config = {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['**/*.unit.test.ts'] },
    { ...common, ...withRealServers, displayName: 'integration', testMatch: ['**/*.int.test.ts'] },
    { ...common, ...withRealServers, displayName: 'e2e', testMatch: ['**/*.e2e.test.ts'] },
  ],
  // Tests mostly wait on MongoDB, NATS and HTTP, so two workers keep even a 2-core machine busy
  // without starving the servers; bigger machines get half their cores.
  maxWorkers: Math.max(2, Math.floor(os.availableParallelism() / 2)),
  // A worker ends by letting its event loop run dry (nothing is left open: its exit event fires
  // within milliseconds of being told to stop), and Node then frees its heap, 300-500 MB after a
  // whole run. On a loaded 2-core machine that takes longer than Jest's 500 ms default (measured:
  // 1.5-2 s for a 465 MB heap at load 15), and Jest force-kills the worker and warns of a leak
  // that is not there. A worker that really leaks still gets the warning, 10 s later.
  workerGracefulExitTimeout: 10_000,
};

export default config;
