import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ServerInstallError } from './errors';
import { goBuild, runGo } from './goToolchain';
import type { Log } from './log';

export const FERRETDB_VERSION = 'v1.24.2';
const FERRETDB_MODULE = 'github.com/FerretDB/FerretDB';

/**
 * Builds FerretDB from its module source into `binDir` and returns the binary's path.
 *
 * Not `go install ...@v1.24.2`: that asks the module proxy for the version list (to check
 * for deprecation), which the proxy refuses for this module, and a binary built straight from
 * the module zip panics at start because FerretDB embeds build/version/version.txt, which
 * only its release process writes. So: download the module, copy it, write that file, build.
 */
export async function installFerretdb(go: string, binDir: string, log: Log): Promise<string> {
  const startedAt = Date.now();
  const moduleDir = await downloadModule(go, log);
  const sourceDir = await fs.mkdtemp(path.join(os.tmpdir(), 'ferretdb-src-'));
  try {
    await fs.cp(moduleDir, sourceDir, { recursive: true });
    await makeWritable(sourceDir);
    await fs.writeFile(path.join(sourceDir, 'build', 'version', 'version.txt'), `${FERRETDB_VERSION}\n`);

    const binary = await goBuild({
      go,
      cwd: sourceDir,
      packagePath: './cmd/ferretdb',
      destination: path.join(binDir, 'ferretdb'),
      log,
    });
    log(`FerretDB built in ${Math.round((Date.now() - startedAt) / 1000)} s: ${binary}`);
    return binary;
  } finally {
    await fs.rm(sourceDir, { recursive: true, force: true });
  }
}

/** `go mod download -json` puts the module in the module cache and tells us where ("Dir"). */
async function downloadModule(go: string, log: Log): Promise<string> {
  const output = await runGo(
    { go, args: ['mod', 'download', '-json', `${FERRETDB_MODULE}@${FERRETDB_VERSION}`], cwd: os.tmpdir() },
    log,
  );
  const { Dir, Error: error } = JSON.parse(output) as { Dir?: string; Error?: string };
  if (Dir === undefined) {
    throw new ServerInstallError(
      `go mod download gave no directory for ${FERRETDB_MODULE}@${FERRETDB_VERSION}: ${error ?? output}`,
    );
  }
  return Dir;
}

/** The module cache is read-only; the copy must not be, so that we can add a file and delete it afterwards. */
async function makeWritable(dir: string): Promise<void> {
  await fs.chmod(dir, 0o755);
  for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
    const entryPath = path.join(dir, entry.name);
    if (entry.isDirectory()) await makeWritable(entryPath);
    else await fs.chmod(entryPath, 0o644);
  }
}
