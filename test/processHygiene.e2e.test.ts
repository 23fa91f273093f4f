/**
 * No process outlives a test run, however the run ends. A Jest run of its own (the fixtures in
 * test/hygiene: a nats-server, a subgraph as a process, and the run's own MongoDB-wire server)
 * fails in set-up, or is interrupted with SIGINT to Jest alone (as `timeout -s INT` or a CI runner
 * does; Ctrl-C in a terminal reaches every process of the group, servers included); afterwards no
 * process of that run remains. Every process of the run carries a marker in its environment,
 * which is how they are found.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { common, withRealServers } from '../jest.config';
import { REPO_ROOT } from '../scripts/infra/locations';
import { PROCESS_REGISTRY_VARIABLE } from '../scripts/infra/processRegistry';
import { OWNER_VARIABLE } from './setup/processReaper';
import { processesMarked } from './support/processesMarked';
import { eventually } from './support/streams';

jest.setTimeout(300_000);

/** The suite's own integration set-up (jest.config.ts), for the fixtures only. */
const FIXTURE_CONFIG = {
  ...common,
  ...withRealServers,
  rootDir: REPO_ROOT,
  roots: ['<rootDir>/test/hygiene'],
  testMatch: ['**/*.fixture.ts'],
  maxWorkers: 2,
};

async function runFixture(mode: 'fail-in-setup' | 'interrupt') {
  const marker = randomBytes(8).toString('hex');
  const report = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'roombook-hygiene-')), 'report');
  fs.writeFileSync(report, '');
  const environment: NodeJS.ProcessEnv = {
    ...process.env,
    ROOMBOOK_HYGIENE_RUN: marker,
    HYGIENE_MODE: mode,
    HYGIENE_REPORT: report,
  };
  // Its own run: its own MongoDB-wire server and registry, not this run's.
  for (const name of ['TEST_MONGO_URL', PROCESS_REGISTRY_VARIABLE, OWNER_VARIABLE, 'JEST_WORKER_ID']) {
    delete environment[name];
  }
  const jest = spawn(
    process.execPath,
    [require.resolve('jest/bin/jest'), '--config', JSON.stringify(FIXTURE_CONFIG), '--ci'],
    { cwd: REPO_ROOT, env: environment, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  jest.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  jest.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  let hasExited = false;
  const exited = new Promise<number | null>((resolve) =>
    jest.once('close', (code) => {
      hasExited = true;
      resolve(code);
    }),
  );

  if (mode === 'interrupt') {
    await eventually(
      async () => fs.readFileSync(report, 'utf8'),
      (text) => text.includes('waiting') || hasExited,
      { timeoutMs: 240_000, intervalMs: 200 },
    ).catch(() => {
      throw new Error(`the fixture never started its servers. Jest printed:\n${output}`);
    });
    if (hasExited) throw new Error(`the fixture's run ended before it was interrupted:\n${output}`);
    expect(processesMarked(marker).length).toBeGreaterThan(2);
    jest.kill('SIGINT');
  }
  const code = await exited;
  expect(code).not.toBe(0);
  expect(fs.readFileSync(report, 'utf8')).toMatch(/^started \d+ \d+$/m);
  const remaining = await eventually(
    async () => processesMarked(marker),
    (found) => found.length === 0,
    { timeoutMs: 30_000, intervalMs: 200 },
  ).catch(() => processesMarked(marker));
  return { remaining, output };
}

it('leaves no process behind when a test fails in set-up', async () => {
  const { remaining, output } = await runFixture('fail-in-setup');
  expect(output).toMatch(/set-up fails here on purpose/);
  expect(remaining).toEqual([]);
});

it('leaves no process behind when the run is interrupted with SIGINT', async () => {
  const { remaining } = await runFixture('interrupt');
  expect(remaining).toEqual([]);
});
