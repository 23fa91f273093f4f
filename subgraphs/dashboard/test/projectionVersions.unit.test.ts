import type { Connection } from 'mongoose';
import { ProjectionVersionRegistry, VERSIONS_CACHE_MS, type ProjectionVersions } from '../src/projectionVersions';

/** A versions document whose reads are counted and answered when the test says (with what is stored then). */
function versionsDocument() {
  let stored: ProjectionVersions = { active: 1, building: null };
  const reads: (() => void)[] = [];
  const collection = {
    findOne: () => new Promise((resolve) => reads.push(() => resolve({ _id: 'versions', ...stored }))),
  };
  return {
    database: { collection: () => collection } as unknown as Connection,
    reads,
    store(versions: ProjectionVersions) {
      stored = versions;
    },
    answer(read: number) {
      reads[read]();
    },
  };
}

const HALF = VERSIONS_CACHE_MS / 2;

beforeEach(() => jest.useFakeTimers({ now: 0 }));
afterEach(() => jest.useRealTimers());

it('answers the versions it read within VERSIONS_CACHE_MS at once, and past half of that reads them again meanwhile', async () => {
  const document = versionsDocument();
  const registry = new ProjectionVersionRegistry(document.database);
  const first = registry.recent();
  document.answer(0);
  expect(await first).toEqual({ active: 1, building: null });

  jest.setSystemTime(HALF - 1);
  expect(await registry.recent()).toEqual({ active: 1, building: null });
  expect(document.reads).toHaveLength(1);

  document.store({ active: 1, building: 2 });
  jest.setSystemTime(HALF);
  // Still within the bound: answered from the first read, while a second one begins.
  expect(await registry.recent()).toEqual({ active: 1, building: null });
  expect(document.reads).toHaveLength(2);
  jest.setSystemTime(HALF + 100);
  expect(await registry.recent()).toEqual({ active: 1, building: null });
  expect(document.reads).toHaveLength(2);

  document.answer(1);
  jest.setSystemTime(VERSIONS_CACHE_MS + 100);
  expect(await registry.recent()).toEqual({ active: 1, building: 2 });
  expect(document.reads).toHaveLength(2);
});

it('never answers versions whose read began VERSIONS_CACHE_MS or longer ago', async () => {
  const document = versionsDocument();
  const registry = new ProjectionVersionRegistry(document.database);
  const first = registry.recent();
  document.answer(0);
  await first;

  jest.setSystemTime(HALF);
  await registry.recent();
  expect(document.reads).toHaveLength(2);

  // The first read is too old and the second, begun at HALF, is not answered yet: wait for it.
  jest.setSystemTime(VERSIONS_CACHE_MS);
  document.store({ active: 1, building: 2 });
  const joined = registry.recent();
  expect(document.reads).toHaveLength(2);
  document.answer(1);
  expect(await joined).toEqual({ active: 1, building: 2 });

  // A read begun VERSIONS_CACHE_MS ago and still unanswered is too old to wait for: read again.
  document.store({ active: 2, building: null });
  jest.setSystemTime(2 * VERSIONS_CACHE_MS);
  const third = registry.recent();
  expect(document.reads).toHaveLength(3);
  jest.setSystemTime(3 * VERSIONS_CACHE_MS);
  const fourth = registry.recent();
  expect(document.reads).toHaveLength(4);
  document.answer(3);
  expect(await fourth).toEqual({ active: 2, building: null });
  document.answer(2);
  expect(await third).toEqual({ active: 2, building: null });
});
