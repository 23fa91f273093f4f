import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { searchDirs, type InfrastructureConfig } from './config';
import { findExecutable } from './executables';
import { ServerInstallError } from './errors';
import { killOnExit } from './managedProcess';

/** The Go toolchain we can build servers with, if this machine has one. */
export function findGo(config: InfrastructureConfig): string | undefined {
  return findExecutable('go', searchDirs(config));
}

export interface GoCommand {
  readonly go: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly extraEnv?: Readonly<Record<string, string>>;
}

/** Runs a go command to completion and returns its stdout; a failure carries the end of its output. */
export function runGo({ go, args, cwd, extraEnv = {} }: GoCommand): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(go, [...args], {
      cwd,
      env: { ...process.env, ...extraEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    killOnExit(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', (error) =>
      reject(new ServerInstallError(`could not run ${go}: ${error.message}`, { cause: error })),
    );
    child.once('close', (code) => {
      if (code === 0) return resolve(stdout);
      const output = `${stdout}\n${stderr}`.trim().split('\n').slice(-20).join('\n');
      reject(new ServerInstallError(`\`go ${args.join(' ')}\` failed (exit ${code}):\n${output}`));
    });
  });
}

export interface GoInstall {
  readonly go: string;
  /** Package path and version, as `go install` takes them: github.com/rhysd/actionlint/cmd/actionlint@v1.7.12. */
  readonly packageAtVersion: string;
  /** The name `go install` gives the binary: the package path's last element. */
  readonly builds: string;
  /** Where the binary ends up. */
  readonly destination: string;
}

/**
 * `go install` into a fresh GOBIN beside `destination`, then a rename: an interrupted install
 * (a Ctrl-C during the build) never leaves a broken binary where the next run would take it.
 */
export async function goInstall({ go, packageAtVersion, builds, destination }: GoInstall): Promise<string> {
  fs.mkdirSync(path.dirname(destination), { recursive: true });
  const gobin = fs.mkdtempSync(path.join(path.dirname(destination), `.${builds}-go-`));
  try {
    await runGo({ go, args: ['install', packageAtVersion], cwd: os.tmpdir(), extraEnv: { GOBIN: gobin } });
    fs.renameSync(path.join(gobin, builds), destination);
    return destination;
  } finally {
    fs.rmSync(gobin, { recursive: true, force: true });
  }
}
