import path from 'node:path';
import { describeSearch, infrastructureConfig, type InfrastructureConfig } from './config';
import { isExecutableFile } from './executables';
import { findGo, goInstall } from './goToolchain';
import type { Log } from './log';
import { beginAttempt } from './attempts';

/** A tool is not installed and cannot be: the message says what to install. */
export class MissingToolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MissingToolError';
  }
}

/** A command-line tool the project installs itself with Go, pinned to one version. */
export interface GoTool {
  readonly name: string;
  readonly version: string;
  /** The Go package that builds it, without the version. */
  readonly goPackage: string;
}

/**
 * The tool's binary in the bin dir, installed with Go on first use (as FerretDB is built): the
 * project installs its own tools, and each version keeps a file of its own.
 */
export async function installedGoTool(
  { name, version, goPackage }: GoTool,
  log: Log,
  config: InfrastructureConfig = infrastructureConfig(),
): Promise<string> {
  const binary = path.join(config.ROOMBOOK_BIN_DIR, `${name}-${version}`);
  if (isExecutableFile(binary)) return binary;
  const go = findGo(config);
  if (go === undefined) {
    throw new MissingToolError(
      `${name} ${version} is not installed, and there is no Go toolchain ${describeSearch(config)} to install it with: ` +
        `install Go 1.25 or newer (https://go.dev/dl/), and it is installed into ${config.ROOMBOOK_BIN_DIR} on the next run.`,
    );
  }
  const attempt = beginAttempt(config.ROOMBOOK_BIN_DIR, `${name}-${version}-install`);
  log(`Installing ${name} ${version} with ${go} into ${config.ROOMBOOK_BIN_DIR}${attempt.note}...`);
  await goInstall({ go, packageAtVersion: `${goPackage}@${version}`, builds: name, destination: binary, log });
  attempt.succeeded();
  return binary;
}
