import path from 'node:path';
import { describeSearch, infrastructureConfig, type InfrastructureConfig } from './infra/config';
import { isExecutableFile } from './infra/executables';
import { findGo, goInstall } from './infra/goToolchain';
import type { Log } from './infra/log';

/** actionlint is not installed and cannot be: the message says what to install. */
export class MissingToolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MissingToolError';
  }
}

/** Pinned: a newer actionlint may judge the same workflow differently, and CI must not change by itself. */
export const ACTIONLINT_VERSION = 'v1.7.12';

/**
 * actionlint, which checks GitHub Actions workflows offline (syntax, expressions, action inputs),
 * installed with Go into the bin dir on first use, as FerretDB is built: the project installs its
 * own tools. About 10 s the first time.
 */
export async function installedActionlint(
  log: Log,
  config: InfrastructureConfig = infrastructureConfig(),
): Promise<string> {
  const binary = path.join(config.ROOMBOOK_BIN_DIR, `actionlint-${ACTIONLINT_VERSION}`);
  if (isExecutableFile(binary)) return binary;
  const go = findGo(config);
  if (go === undefined) {
    throw new MissingToolError(
      `actionlint ${ACTIONLINT_VERSION} is not installed, and there is no Go toolchain ${describeSearch(config)} to install it with: ` +
        `install Go 1.25 or newer (https://go.dev/dl/), and it is installed into ${config.ROOMBOOK_BIN_DIR} on the next run.`,
    );
  }
  log(`Installing actionlint ${ACTIONLINT_VERSION} with ${go} into ${config.ROOMBOOK_BIN_DIR} (first time only)...`);
  return goInstall({
    go,
    packageAtVersion: `github.com/rhysd/actionlint/cmd/actionlint@${ACTIONLINT_VERSION}`,
    builds: 'actionlint',
    destination: binary,
  });
}
