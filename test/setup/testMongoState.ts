import type { MongoServer } from '../../scripts/infra/mongo';

/**
 * What globalSetup hands to globalTeardown. Both run in Jest's main process, each module loaded
 * separately, so a global is the only shared place (as Jest's documentation suggests).
 */
export interface TestMongoState {
  readonly server: MongoServer;
  readonly dataDir: string;
}

const key = Symbol.for('roombook.testMongo');
type WithTestMongo = typeof globalThis & { [key]?: TestMongoState };

export function rememberTestMongo(state: TestMongoState): void {
  (globalThis as WithTestMongo)[key] = state;
}

export function takeTestMongo(): TestMongoState | undefined {
  const state = (globalThis as WithTestMongo)[key];
  delete (globalThis as WithTestMongo)[key];
  return state;
}
