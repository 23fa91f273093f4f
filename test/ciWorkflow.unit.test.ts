/**
 * .github/workflows/ci.yml cannot run here, so it is held to two things offline: actionlint
 * (installed with Go into .data/bin on first use) finds nothing wrong with it, and it runs what
 * .ci/run runs, against a real MongoDB 7.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { installedActionlint } from '../scripts/actionlint';

const ROOT = path.resolve(__dirname, '..');
const WORKFLOW = path.join(ROOT, '.github', 'workflows', 'ci.yml');

interface Workflow {
  on: Record<string, unknown>;
  jobs: Record<
    string,
    {
      services?: Record<string, { image: string; ports?: string[] }>;
      env?: Record<string, string>;
      steps: { uses?: string; run?: string; with?: Record<string, string> }[];
    }
  >;
}

let actionlint: string;

beforeAll(async () => {
  actionlint = await installedActionlint((line) => process.stderr.write(`${line}\n`));
}, 300_000);

function lint(file: string): { status: number | null; output: string } {
  const result = spawnSync(actionlint, ['-no-color', file], { cwd: ROOT, encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

it('passes actionlint', () => {
  expect(lint(WORKFLOW)).toEqual({ status: 0, output: '' });
});

it('would fail actionlint with a mistake in it, so the check above checks something', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'roombook-workflow-'));
  try {
    const broken = path.join(dir, 'ci.yml');
    const text = await fs.readFile(WORKFLOW, 'utf8');
    await fs.writeFile(broken, text.replace('node-version:', 'node-versoin:'));
    const result = lint(broken);
    expect(result.status).toBe(1);
    expect(result.output).toContain('input "node-versoin" is not defined in action "actions/setup-node');
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

it('runs .ci/run on every push and pull request, with MongoDB 7 as the server of the tests', async () => {
  const workflow = parse(await fs.readFile(WORKFLOW, 'utf8')) as Workflow;
  expect(Object.keys(workflow.on).sort()).toEqual(['pull_request', 'push']);
  const jobs = Object.values(workflow.jobs);
  expect(jobs).toHaveLength(1);
  const [job] = jobs;

  expect(job.steps.map((step) => step.run).filter(Boolean)).toEqual(['bash .ci/run']);
  const mongo = Object.values(job.services ?? {}).find((service) => service.image.startsWith('mongo:'));
  expect(mongo?.image).toMatch(/^mongo:7(\.|$)/);
  const published = mongo?.ports?.map((mapping) => mapping.split(':')[0]);
  expect(job.env?.TEST_MONGO_URL).toBe(`mongodb://127.0.0.1:${published?.[0]}/`);
  // The binaries the project fetches and builds survive between runs.
  expect(job.steps.find((step) => step.uses?.startsWith('actions/cache@'))?.with?.path).toBe('.data/bin');
});
