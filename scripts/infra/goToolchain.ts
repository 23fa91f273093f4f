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

/** What a go command prints when it could not reach the module proxy (or any host). */
const UNREACHABLE =
  /dial tcp|no such host|network is unreachable|i\/o timeout|connection refused|TLS handshake timeout|proxyconnect|name resolution/;

/**
 * Runs a go command to completion and returns its stdout; a failure carries the end of its output.
 * When it failed because the network is unreachable, it runs once more from the local module cache
 * alone (GOPROXY=file://<GOMODCACHE>/cache/download, the layout of a module proxy): a machine
 * offline builds what an earlier download left there. GOSUMDB is off for that run, as the checksum
 * database is out of reach too; the cache holds only what was checked against it when downloaded.
 */
export async function runGo(command: GoCommand, log?: (line: string) => void): Promise<string> {
  try {
    return await runGoOnce(command);
  } catch (error) {
    if (!(error instanceof ServerInstallError) || !UNREACHABLE.test(error.message)) throw error;
    const cache = await moduleCacheProxy(command.go);
    if (cache === undefined) throw error;
    log?.(`The Go module proxy is unreachable: building from the local module cache (${cache})`);
    return runGoOnce({
      ...command,
      extraEnv: { ...command.extraEnv, GOPROXY: cache, GOSUMDB: 'off', GOTOOLCHAIN: 'local' },
    }).catch((offline: unknown) => {
      throw new ServerInstallError(
        `${error.message}\nand the local module cache does not hold everything it needs:\n${(offline as Error).message}`,
      );
    });
  }
}

/** file://<GOMODCACHE>/cache/download, when that exists. */
async function moduleCacheProxy(go: string): Promise<string | undefined> {
  const modcache = (await runGoOnce({ go, args: ['env', 'GOMODCACHE'], cwd: os.tmpdir() }).catch(() => '')).trim();
  const downloads = path.join(modcache, 'cache', 'download');
  return modcache !== '' && fs.existsSync(downloads) ? `file://${downloads}` : undefined;
}

function runGoOnce({ go, args, cwd, extraEnv = {} }: GoCommand): Promise<string> {
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
  readonly log?: (line: string) => void;
}

/**
 * `go install` into a fresh GOBIN beside `destination`, then a rename: an interrupted install
 * (a Ctrl-C during the build) never leaves a broken binary where the next run would take it.
 */
export async function goInstall({ go, packageAtVersion, builds, destination, log }: GoInstall): Promise<string> {
  fs.mkdirSync(path.dirname(destination), { recursive: true });
  const gobin = fs.mkdtempSync(path.join(path.dirname(destination), `.${builds}-go-`));
  try {
    await runGo({ go, args: ['install', packageAtVersion], cwd: os.tmpdir(), extraEnv: { GOBIN: gobin } }, log);
    fs.renameSync(path.join(gobin, builds), destination);
    return destination;
  } finally {
    fs.rmSync(gobin, { recursive: true, force: true });
  }
}

export interface GoBuild {
  readonly go: string;
  /** The module directory the build runs in. */
  readonly cwd: string;
  /** The package to build, relative to `cwd`: `.` or `./cmd/ferretdb`. */
  readonly packagePath: string;
  /** Where the binary ends up. */
  readonly destination: string;
  readonly log?: (line: string) => void;
}

/**
 * `go build -trimpath` beside `destination`, then a rename, as `goInstall`: an interrupted build
 * never leaves a broken binary where the next run would take it.
 */
export async function goBuild({ go, cwd, packagePath, destination, log }: GoBuild): Promise<string> {
  fs.mkdirSync(path.dirname(destination), { recursive: true });
  const partial = `${destination}.partial-${process.pid}`;
  try {
    await runGo({ go, args: ['build', '-trimpath', '-o', partial, packagePath], cwd }, log);
    fs.renameSync(partial, destination);
    return destination;
  } finally {
    fs.rmSync(partial, { force: true });
  }
}
