/**
 * `runWatcher <registry dir> <jest pid>`: started by the test run's global set-up (see
 * processReaper.ts). Once Jest's main process is gone and the registry is still there, the run
 * ended without its teardown: stop every process it recorded, then remove the registry.
 */
import fs from 'node:fs';
import { stopRecorded } from '../../scripts/infra/processRegistry';

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

const timer = setInterval(() => {
  if (!fs.existsSync(dir)) process.exit(0); // the teardown ran
  if (isAlive(owner)) return;
  clearInterval(timer);
  void (async () => {
    // Stopped twice over: a service that was told to stop may start a last child (npm start's servers).
    await stopRecorded(dir);
    await stopRecorded(dir, 1_000);
    fs.rmSync(dir, { recursive: true, force: true });
    process.exit(0);
  })();
}, POLL_MS);
