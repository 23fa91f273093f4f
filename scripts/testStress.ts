/**
 * `npm run test:stress [-- --runs N] [-- <jest arguments>]`: `npm test` while every core is kept
 * busy by a spinning process, as on a shared CI machine or a laptop building something else. A
 * test that passes only on an idle machine is racing something, and fails here. With `--runs N`
 * it runs the suite N times in a row (default 3) and stops at the first failure. The spinners are
 * stopped by pid at the end, on failure, and on Ctrl-C.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import os from 'node:os';

const args = process.argv.slice(2);
const runsAt = args.indexOf('--runs');
const runs = runsAt === -1 ? 3 : Number(args.splice(runsAt, 2)[1]);
const jestArgs = args;

// One per core, at normal priority: they compete with the tests for every cycle.
const spinners: ChildProcess[] = Array.from({ length: os.availableParallelism() }, () =>
  spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }),
);
let suite: ChildProcess | undefined;

function stopAll(): void {
  for (const spinner of spinners) spinner.kill('SIGKILL');
  suite?.kill('SIGINT');
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    stopAll();
    process.exit(130);
  });
}
process.on('exit', stopAll);

function runSuite(): Promise<number> {
  return new Promise((resolve) => {
    suite = spawn('npm', ['test', '--', ...jestArgs], { stdio: 'inherit' });
    suite.once('close', (code) => resolve(code ?? 1));
  });
}

void (async () => {
  console.log(
    `test:stress: ${spinners.length} busy processes, one per core; ${runs} run(s) of: npm test -- ${jestArgs.join(' ')}`,
  );
  for (let run = 1; run <= runs; run += 1) {
    const startedAt = Date.now();
    const code = await runSuite();
    const seconds = Math.round((Date.now() - startedAt) / 1000);
    console.log(`test:stress: run ${run} of ${runs} ${code === 0 ? 'passed' : 'FAILED'} in ${seconds} s`);
    if (code !== 0) process.exit(code);
  }
  process.exit(0);
})();
