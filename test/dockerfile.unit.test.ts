/**
 * No Docker engine here, so the Dockerfile is held to the code it packages: one target per service
 * running that service's compiled entry point on its catalog port, all of them on a runtime stage
 * that has production dependencies only, a non-root numeric user (Kubernetes's runAsNonRoot can
 * verify only a number) and a health check.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ROUTER_PORT, SUBGRAPHS } from '../subgraphs/catalog';

const ROOT = path.resolve(__dirname, '..');

interface Stage {
  readonly name: string;
  readonly from: string;
  /** Instructions with continuation lines joined: ['RUN npm ci ...', 'USER 1000:1000', ...]. */
  readonly instructions: string[];
}

function parseDockerfile(text: string): Stage[] {
  const logical = text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  const stages: Stage[] = [];
  for (const line of logical) {
    const from = /^FROM\s+(\S+)(?:\s+AS\s+(\S+))?/i.exec(line);
    if (from) stages.push({ from: from[1], name: from[2] ?? String(stages.length), instructions: [] });
    else stages.at(-1)?.instructions.push(line);
  }
  return stages;
}

const stages = parseDockerfile(readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8'));
const stage = (name: string) => stages.find((candidate) => candidate.name === name);
const instruction = (of: Stage | undefined, keyword: string) =>
  (of?.instructions ?? []).filter((line) => line.toUpperCase().startsWith(`${keyword} `));

const APP_SERVICES = [
  ...SUBGRAPHS.map(({ name, port }) => ({ name, port, entry: `subgraphs/${name}/src/main` })),
  { name: 'router', port: ROUTER_PORT, entry: 'router/src/main' },
];

it('has a target per service that runs its compiled entry point on its catalog port', () => {
  const problems: string[] = [];
  for (const { name, port, entry } of APP_SERVICES) {
    const target = stage(name);
    if (!target) {
      problems.push(`no target ${name}`);
      continue;
    }
    if (target.from !== 'runtime') problems.push(`${name}: built FROM ${target.from}, not the runtime stage`);
    if (!existsSync(path.join(ROOT, `${entry}.ts`))) problems.push(`${name}: ${entry}.ts does not exist`);
    const cmd = instruction(target, 'CMD').at(-1);
    if (cmd !== `CMD ["node", "dist/${entry}.js"]`) problems.push(`${name}: ${cmd} does not run dist/${entry}.js`);
    if (!instruction(target, 'ENV').includes(`ENV PORT=${port}`)) problems.push(`${name}: does not set PORT=${port}`);
    if (!instruction(target, 'EXPOSE').includes(`EXPOSE ${port}`)) problems.push(`${name}: does not expose ${port}`);
    // Subgraphs listen on loopback by default, which inside a container nothing else reaches.
    if (name !== 'router' && !instruction(target, 'ENV').includes('ENV HOST=0.0.0.0'))
      problems.push(`${name}: listens on the container's loopback only (no ENV HOST=0.0.0.0)`);
  }
  expect(problems).toEqual([]);
});

it('runs on production dependencies and the build output only, as a numeric non-root user, with a health check', () => {
  const runtime = stage('runtime');
  const copies = instruction(runtime, 'COPY');
  const sourceOf = (copy: string) => stage(/--from=(\S+)/.exec(copy)?.[1] ?? '');
  const copiedStages = copies.map(sourceOf);

  // Everything the runtime has comes from other stages: no source files, no dev dependencies.
  expect(copies.filter((copy) => !copy.includes('--from='))).toEqual([]);
  const dependencies = copiedStages.find((from) => instruction(from, 'RUN').some((run) => run.includes('npm ci')));
  expect(instruction(dependencies, 'RUN').join(' ')).toMatch(/npm ci --omit=dev/);
  const build = copiedStages.find((from) => instruction(from, 'RUN').some((run) => run.includes('npm run build')));
  expect(copies.find((copy) => sourceOf(copy) === build)).toMatch(/\/app\/dist \.\/dist$/);

  expect(instruction(runtime, 'USER')).toEqual(['USER 1000:1000']);
  expect(instruction(runtime, 'HEALTHCHECK').join(' ')).toMatch(/process\.env\.PORT \+ '\/health\/ready'/);
  expect(JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).scripts.build).toBeDefined();
});
