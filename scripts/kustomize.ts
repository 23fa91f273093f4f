import { spawnSync } from 'node:child_process';
import { infrastructureConfig, type InfrastructureConfig } from './infra/config';
import { installedGoTool } from './infra/goTool';
import type { Log } from './infra/log';

/** Pinned: another kustomize may render the same overlays differently, and the checks must not change by themselves. */
export const KUSTOMIZE_VERSION = 'v5.7.1';

/**
 * kustomize, which renders deploy/kubernetes's overlays offline, installed with Go into the bin
 * dir on first use, as actionlint is: the project installs its own tools. A minute or two the
 * first time.
 */
export async function installedKustomize(
  log: Log,
  config: InfrastructureConfig = infrastructureConfig(),
): Promise<string> {
  return installedGoTool(
    { name: 'kustomize', version: KUSTOMIZE_VERSION, goPackage: 'sigs.k8s.io/kustomize/kustomize/v5' },
    log,
    config,
  );
}

/** `kustomize build <directory>`: the overlay's objects as one multi-document YAML. */
export function kustomizeBuild(kustomize: string, directory: string): string {
  const result = spawnSync(kustomize, ['build', directory], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`kustomize build ${directory} failed:\n${result.stderr}`);
  return result.stdout;
}
