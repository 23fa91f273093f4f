import { infrastructureConfig, type InfrastructureConfig } from './infra/config';
import { installedGoTool } from './infra/goTool';
import type { Log } from './infra/log';

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
  return installedGoTool(
    { name: 'actionlint', version: ACTIONLINT_VERSION, goPackage: 'github.com/rhysd/actionlint/cmd/actionlint' },
    log,
    config,
  );
}
