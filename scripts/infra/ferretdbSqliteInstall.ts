import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { goBuild } from './goToolchain';
import type { Log } from './log';

/** Our Go program that runs FerretDB on SQLite with the index its `_id` lookups can use (see its main.go). */
const SOURCE_DIR = path.join(__dirname, 'ferretdbSqlite');

/**
 * Builds ferretdb-sqlite into `binDir` unless a build of these very sources is there, and returns
 * its path. The name carries a hash of the sources, so an edit builds anew and an older build is
 * never taken for it. Its SQLite driver is the one FerretDB is built with, already in the module
 * cache after FerretDB's build: a few seconds when the build cache holds it too.
 */
export async function installFerretdbSqlite(go: string, binDir: string, log: Log): Promise<string> {
  const binary = path.join(binDir, `ferretdb-sqlite-${sourceHash()}`);
  if (fs.existsSync(binary)) return binary;
  const startedAt = Date.now();
  await goBuild({ go, cwd: SOURCE_DIR, packagePath: '.', destination: binary, log });
  log(`ferretdb-sqlite built in ${Math.round((Date.now() - startedAt) / 1000)} s: ${binary}`);
  return binary;
}

function sourceHash(): string {
  const hash = crypto.createHash('sha256');
  for (const name of fs.readdirSync(SOURCE_DIR).sort()) {
    hash.update(name).update(fs.readFileSync(path.join(SOURCE_DIR, name)));
  }
  return hash.digest('hex').slice(0, 12);
}
