/**
 * The README's story runs as written: `npm run demo` (scripts/demo.ts) plays every block of it, in
 * order, with bash, curl and jq, against the real system (every subgraph, the router, NATS).
 */
import { spawn } from 'node:child_process';
import { REPO_ROOT } from '../scripts/infra/locations';
import { forgetProcess, recordProcess } from '../scripts/infra/processRegistry';
import { startSystem, type TestSystem } from './support/system';

/** Long enough for a busy machine; a story stuck in a step is stopped and its output shown. */
const STORY_DEADLINE_MS = 240_000;
jest.setTimeout(STORY_DEADLINE_MS + 60_000);

let system: TestSystem;
beforeAll(async () => {
  system = await startSystem(['room', 'payment', 'reservation', 'review', 'dashboard']);
});
afterAll(() => system?.stop());

it("plays the README's story from registering a room to the host's dashboard", async () => {
  const demo = spawn(process.execPath, ['--import', 'tsx', 'scripts/demo.ts'], {
    cwd: REPO_ROOT,
    env: { ...process.env, ROUTER: new URL('/', system.routerUrl).href.replace(/\/$/, '') },
    detached: true,
  });
  recordProcess(demo.pid!, 'npm run demo', true);
  let output = '';
  demo.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  demo.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => demo.once('close', resolve));
  const stuck = setTimeout(() => process.kill(-demo.pid!, 'SIGTERM'), STORY_DEADLINE_MS);
  const code = await exited;
  clearTimeout(stuck);
  forgetProcess(demo.pid!);

  expect({ code, output }).toEqual({ code: 0, output: expect.stringContaining('The story ran to its end.') });
  for (const step of ['1. Tokens', '4. The guest books', '10. The guest resumes', "11. The host's dashboard"]) {
    expect(output).toContain(`== ${step}`);
  }
  // Step 10: the cancellation made while the guest was away came with the resumed subscription,
  // and nothing from before the cursor came again.
  const resumed = output.slice(output.indexOf('== 10.'), output.indexOf('== 11.'));
  expect(resumed).toMatch(/"status":"CANCELLED"/);
  expect(resumed).not.toMatch(/"status":"CONFIRMED"/);
  // Step 11: one stay confirmed and reviewed, one cancelled and refunded.
  expect(output).toMatch(/"confirmed": 1,\s+"cancelled": 1/);
  expect(output).toMatch(/"reviewCount": 1/);
});
