import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from '../../scripts/infra/locations';
import {
  PROCESS_REGISTRY_VARIABLE,
  recordedProcesses,
  stopRecorded,
  type RegisteredProcess,
} from '../../scripts/infra/processRegistry';

/**
 * No process outlives a test run. The global set-up opens a registry of the processes the run
 * starts (scripts/infra/processRegistry.ts; Jest's workers and every server and service record
 * themselves there) and starts a watcher, a process of its own, that stops them all by pid once
 * Jest's main process is gone without tearing down: interrupted with Ctrl-C or SIGINT, killed, or
 * crashed. The global teardown stops what a test left running and closes the registry; the
 * watcher still waits for Jest to exit, then stops any process of the run that remains (one a
 * test spawned by itself, which no registry knows), and exits.
 */
export const OWNER_VARIABLE = 'ROOMBOOK_TEST_RUN_OWNER';
/** Jest's workers record themselves under this name (test/setup/recordWorker.ts). */
export const WORKER_NAME = 'jest worker';

export function openRunRegistry(): void {
  if (process.env[PROCESS_REGISTRY_VARIABLE]) return; // the other project's set-up did it
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'roombook-test-run-'));
  process.env[PROCESS_REGISTRY_VARIABLE] = dir;
  process.env[OWNER_VARIABLE] = String(process.pid);
  const watcher = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(__dirname, 'runWatcher.ts'), dir, String(process.pid)],
    // Its own group, so the Ctrl-C that stops the run does not stop it; nothing of ours to hold open.
    { cwd: REPO_ROOT, detached: true, stdio: 'ignore' },
  );
  watcher.unref();
}

/** Stops what the tests left running (their workers end by themselves) and closes the registry. */
export async function closeRunRegistry(): Promise<RegisteredProcess[]> {
  const dir = process.env[PROCESS_REGISTRY_VARIABLE];
  if (!dir || process.env[OWNER_VARIABLE] !== String(process.pid)) return [];
  for (const entry of recordedProcesses(dir)) {
    if (entry.name === WORKER_NAME) fs.rmSync(path.join(dir, String(entry.pid)), { force: true });
  }
  const leftovers = await stopRecorded(dir);
  fs.rmSync(dir, { recursive: true, force: true });
  delete process.env[PROCESS_REGISTRY_VARIABLE];
  delete process.env[OWNER_VARIABLE];
  return leftovers;
}
