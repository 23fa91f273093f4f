/** npm run lint:workflows: actionlint over .github/workflows, installed on first use; exits as actionlint does. */
import { spawnSync } from 'node:child_process';
import { installedActionlint } from './actionlint';
import { REPO_ROOT } from './infra/locations';

async function main(): Promise<void> {
  const actionlint = await installedActionlint((line) => console.log(line));
  // With no arguments it checks every workflow of the repository it runs in.
  const { status } = spawnSync(actionlint, [], { cwd: REPO_ROOT, stdio: 'inherit' });
  process.exit(status ?? 1);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
