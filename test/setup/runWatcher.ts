/**
 * `runWatcher <registry dir> <jest pid>`: started by the test run's global set-up (see
 * processReaper.ts). Once Jest's main process is gone, whether its teardown ran or not: stop every
 * process the run recorded that still runs, then every other process of the run (by the variable
 * in its environment), remove the registry, and exit.
 */
import fs from 'node:fs';
import { processesCarrying, stopRecorded } from '../../scripts/infra/processRegistry';

const [dir, ownerArgument] = process.argv.slice(2);
const owner = Number(ownerArgument);
const POLL_MS = 250;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Every process of the run that did not record itself (a test's own `spawn`): see processesCarrying. */
function killMarked(): void {
  for (const { pid } of processesCarrying(dir)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Gone meanwhile.
    }
  }
}

const timer = setInterval(() => {
  if (isAlive(owner)) return;
  clearInterval(timer);
  void (async () => {
    // Stopped twice over: a service that was told to stop may start a last child (npm start's servers).
    await stopRecorded(dir);
    await stopRecorded(dir, 1_000);
    killMarked();
    fs.rmSync(dir, { recursive: true, force: true });
    process.exit(0);
  })();
}, POLL_MS);
