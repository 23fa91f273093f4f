/**
 * npm run audit:federation: The Guild's federation-gateway-audit (github.com/graphql-hive/
 * federation-gateway-audit, 199 tests in 46 suites, each suite its own supergraph of small
 * subgraphs) against our compiled router and, in the same run, plain @apollo/gateway (the planner
 * we use, with its own executor). Prints every test's outcome per gateway and the totals, and
 * exits 1 when ours passes fewer tests than the recorded baseline (scripts/federationAudit/
 * baseline.json) or fails one the baseline passes.
 *
 * The audit's code is not part of this repository; it is taken at run time, in this order:
 * FEDERATION_AUDIT_DIR (or --audit-dir=<path>): a checkout of it; else a clone from GitHub into
 * .data/federation-audit/checkout. It is not published on npm (`npm view
 * @graphql-hive/federation-gateway-audit`: 404), so a machine that reaches only package registries
 * needs the checkout. Its dependencies are installed there (`npm ci --omit=dev`); its CLI wants
 * Node 22, which comes from the npm registry (package `node-<platform>-<arch>@22`, into
 * .data/federation-audit/tools); the machine's node runs the gateways.
 *
 * Per suite the audit's CLI runs scripts/federationAudit/gateway.sh, our adapter (its
 * `gateways/<name>/run.sh`): it fetches the suite's supergraph (composed by the audit's server)
 * and starts the gateway on it. Our router gets SUPERGRAPH_PATH and the operation limits raised,
 * since those are our graph's policy, not federation.
 *
 * Options: --gateways=roombook,apollo-gateway (default both), --record (write the baseline from
 * this run), --audit-dir=<path>, --parity (instead of the audit's expectations, compare every
 * audit query's answer from our router with @apollo/gateway's own executor's; exit 1 on any
 * difference the baseline does not name as intended).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import { buildIfChanged, DIST } from './build';
import { REPO_ROOT } from './infra/locations';
import { startManagedProcess } from './infra/managedProcess';
import { findFreePorts } from './infra/ports';
import { pollUntilReady } from './infra/readiness';

const AUDIT_REPOSITORY = 'https://github.com/graphql-hive/federation-gateway-audit';
const AUDIT_NPM_PACKAGE = '@graphql-hive/federation-gateway-audit';
const WORK_DIR = path.join(REPO_ROOT, '.data', 'federation-audit');
const ADAPTER = path.join(REPO_ROOT, 'scripts', 'federationAudit', 'gateway.sh');
const BASELINE_PATH = path.join(REPO_ROOT, 'scripts', 'federationAudit', 'baseline.json');

/** A gateway the audit runs against: how the adapter starts it, and where it says it is ready. */
interface Gateway {
  readonly name: string;
  readonly title: string;
  readonly launcher: string;
  readonly healthcheck: (port: number) => string;
}

/** One run of the audit against one gateway: each test's name (`<suite>_<index>`) and whether it passed. */
type Outcomes = Map<string, boolean>;

interface Baseline {
  readonly audit: string;
  readonly passed: number;
  readonly total: number;
  /** Tests our router failed when the baseline was recorded; any other failing is a regression. */
  readonly failing: readonly string[];
  /** Tests whose answer (--parity) differs from @apollo/gateway's on purpose, and why. */
  readonly differentFromApolloGateway: Readonly<Record<string, string>>;
}

const readBaseline = () => JSON.parse(fs.readFileSync(BASELINE_PATH, 'utf8')) as Baseline;

function option(name: string): string | undefined {
  const prefix = `--${name}=`;
  return process.argv.find((argument) => argument.startsWith(prefix))?.slice(prefix.length);
}

function run(command: string, args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  const result = spawnSync(command, args, { stdio: 'inherit', ...options });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (exit ${result.status})`);
}

/** A checkout of the audit: given, or cloned; it is not on npm. */
function auditCheckout(): string {
  const given = option('audit-dir') ?? process.env.FEDERATION_AUDIT_DIR;
  if (given) {
    const dir = path.resolve(given);
    if (!fs.existsSync(path.join(dir, 'src', 'cli.ts')))
      throw new Error(`${dir} is not a checkout of ${AUDIT_REPOSITORY} (no src/cli.ts)`);
    return dir;
  }
  const published = spawnSync('npm', ['view', AUDIT_NPM_PACKAGE, 'version'], { encoding: 'utf8' });
  if (published.status === 0 && published.stdout.trim())
    console.log(
      `${AUDIT_NPM_PACKAGE}@${published.stdout.trim()} is on npm now: this script could take it from there instead.`,
    );
  else console.log(`${AUDIT_NPM_PACKAGE} is not published on npm; taking the audit from GitHub.`);
  const dir = path.join(WORK_DIR, 'checkout');
  if (fs.existsSync(path.join(dir, 'src', 'cli.ts'))) return dir;
  const clone = spawnSync('git', ['clone', '--depth', '1', AUDIT_REPOSITORY, dir], { stdio: 'inherit' });
  if (clone.status !== 0)
    throw new Error(
      `Could not clone ${AUDIT_REPOSITORY} (and the audit is not on npm). ` +
        'Set FEDERATION_AUDIT_DIR (or --audit-dir=) to a checkout of it.',
    );
  return dir;
}

/** Node 22 for the audit's CLI, and what the CLI runs on: tsx and graphql, from the npm registry. */
interface AuditTools {
  readonly node: string;
  readonly tsx: string;
  readonly graphql: string;
}

/**
 * Installed apart (.data/federation-audit/tools), in the versions the audit's package.json asks
 * for: the machine's node stays as it is, and the audit's own dev dependencies are not installed
 * (one of them, wgc, is not always on the registry).
 */
function auditTools(checkout: string): AuditTools {
  const dir = path.join(WORK_DIR, 'tools');
  const platform = process.platform === 'win32' ? 'win' : process.platform;
  const nodePackage = `node-${platform}-${process.arch}`;
  const tools: AuditTools = {
    node: path.join(dir, 'node_modules', nodePackage, 'bin', platform === 'win' ? 'node.exe' : 'node'),
    tsx: path.join(dir, 'node_modules', 'tsx', 'dist', 'cli.mjs'),
    graphql: path.join(dir, 'node_modules', 'graphql'),
  };
  if ([tools.node, tools.tsx, tools.graphql].every((file) => fs.existsSync(file))) return tools;
  const { devDependencies } = JSON.parse(fs.readFileSync(path.join(checkout, 'package.json'), 'utf8')) as {
    devDependencies: Record<string, string>;
  };
  fs.mkdirSync(dir, { recursive: true });
  console.log(
    `Installing Node 22 (${nodePackage}@22), tsx and graphql from npm into ${path.relative(REPO_ROOT, dir)}/`,
  );
  run('npm', [
    'install',
    ...['--prefix', dir, '--no-save', '--no-package-lock', '--no-audit', '--no-fund'],
    `${nodePackage}@22`,
    `tsx@${devDependencies.tsx}`,
    `graphql@${devDependencies.graphql}`,
  ]);
  return tools;
}

/** The audit's own dependencies (composition, its subgraphs' server, its test runner), in its checkout. */
function installAudit(checkout: string, tools: AuditTools): void {
  const modules = path.join(checkout, 'node_modules');
  if (!fs.existsSync(path.join(modules, '@apollo', 'composition'))) {
    console.log(`Installing the audit's dependencies in ${checkout}`);
    const env = { ...process.env, PATH: `${path.dirname(tools.node)}${path.delimiter}${process.env.PATH}` };
    run('npm', ['ci', '--omit=dev', '--no-audit', '--no-fund'], { cwd: checkout, env });
  }
  // graphql is the audit's peer dependency, which its lockfile lists among the dev ones.
  if (!fs.existsSync(path.join(modules, 'graphql')))
    fs.symlinkSync(tools.graphql, path.join(modules, 'graphql'), 'dir');
}

/** The peer's launcher (the one npm run bench:gateway runs), compiled next to the repository's node_modules. */
async function compilePeerLauncher(): Promise<string> {
  const outdir = path.join(WORK_DIR, 'js');
  await build({
    entryPoints: [path.join(REPO_ROOT, 'bench', 'gateway', 'plainGateway.ts')],
    outdir,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    logLevel: 'warning',
  });
  return path.join(outdir, 'plainGateway.js');
}

/** The environment the gateways start in: no subgraph address of ours, limits that are our graph's policy raised. */
function gatewayEnvironment(): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^SUBGRAPH_.*_URL$|^SUPERGRAPH_PATH$|^PORT$/.test(name)),
  );
  return {
    ...env,
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    APOLLO_TELEMETRY_DISABLED: 'true',
    MAX_QUERY_DEPTH: '50',
    MAX_QUERY_ALIASES: '1000',
    MAX_ROOT_FIELDS: '1000',
    MAX_QUERY_FIELDS: '100000',
    MAX_QUERY_DIRECTIVES: '1000',
    MAX_QUERY_COST: '1000000000',
    // How long the audit's CLI waits for a gateway's health check (its default: 5 s).
    GATEWAY_TIMEOUT: '60000',
  };
}

async function audit(checkout: string, tools: AuditTools, gateway: Gateway): Promise<Outcomes> {
  const dir = path.join(WORK_DIR, gateway.name);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const [gatewayPort, subgraphsPort] = await findFreePorts(2);
  console.log(`\n${gateway.title}: the audit's subgraphs on port ${subgraphsPort}, the gateway on ${gatewayPort}`);
  const cli = await startManagedProcess({
    name: `federation audit of ${gateway.title}`,
    command: tools.node,
    args: [
      tools.tsx,
      path.join(checkout, 'src', 'cli.ts'),
      'test',
      '--cwd',
      dir,
      '--run-script',
      ADAPTER,
      '--graphql',
      `http://127.0.0.1:${gatewayPort}/graphql`,
      '--healthcheck',
      gateway.healthcheck(gatewayPort),
      '--port',
      String(subgraphsPort),
      '--reporter',
      'dot',
      '--write',
      'results.txt',
    ],
    cwd: checkout,
    env: {
      ...gatewayEnvironment(),
      FEDERATION_AUDIT_GATEWAY: gateway.name,
      FEDERATION_AUDIT_LAUNCHER: gateway.launcher,
      FEDERATION_AUDIT_NODE: process.execPath,
      FEDERATION_AUDIT_GATEWAY_PORT: String(gatewayPort),
      FEDERATION_AUDIT_SUBGRAPHS_PORT: String(subgraphsPort),
      FEDERATION_AUDIT_WORK_DIR: dir,
    },
    // Progress (each suite's id, then a mark per test) on the terminal; all of it in cli.log.
    output: { logFile: path.join(dir, 'cli.log') },
  });
  const showProgress = progressShower(path.join(dir, 'cli.log'));
  const progress = setInterval(showProgress, 2_000);
  const exit = await cli.exited.finally(() => clearInterval(progress));
  showProgress();
  const resultsPath = path.join(dir, 'results.txt');
  if (exit.code !== 0 || !fs.existsSync(resultsPath))
    throw new Error(`The audit's CLI failed (exit ${exit.code ?? exit.signal}); logs in ${dir}/logs`);
  return readResults(fs.readFileSync(resultsPath, 'utf8'));
}

/** Shows the CLI's new lines that say how far it is: suite ids and their rows of marks (not its kill-port noise). */
function progressShower(log: string): () => void {
  let shown = 0;
  return () => {
    if (!fs.existsSync(log)) return;
    const lines = fs.readFileSync(log, 'utf8').split('\n').slice(0, -1);
    for (const line of lines.slice(shown)) {
      if (/^Running \d+ test suites$|^[a-z][a-z0-9-]*$|^[.X]+$/.test(line)) console.log(`  ${line}`);
    }
    shown = lines.length;
  };
}

/** The CLI's results.txt: per suite its id, then a line of `.` (passed) and `X` (failed), one per test. */
function readResults(text: string): Outcomes {
  const outcomes: Outcomes = new Map();
  const lines = text.split('\n');
  for (let index = 0; index + 1 < lines.length && lines[index] !== ''; index += 2) {
    [...lines[index + 1]].forEach((mark, test) => outcomes.set(`${lines[index]}_${test}`, mark === '.'));
  }
  return outcomes;
}

const passedCount = (outcomes: Outcomes) => [...outcomes.values()].filter(Boolean).length;

function report(gateways: readonly Gateway[], results: ReadonlyMap<string, Outcomes>): void {
  const suites = new Map<string, string[]>();
  for (const test of results.get(gateways[0].name)!.keys()) {
    const suite = test.slice(0, test.lastIndexOf('_'));
    suites.set(suite, [...(suites.get(suite) ?? []), test]);
  }
  console.log(`\nPer test ("." passed, "X" failed), per gateway: ${gateways.map(({ title }) => title).join(' | ')}`);
  const width = Math.max(...[...suites.keys()].map((suite) => suite.length));
  for (const [suite, tests] of suites) {
    const marks = gateways.map(({ name }) => tests.map((test) => (results.get(name)!.get(test) ? '.' : 'X')).join(''));
    console.log(`${suite.padEnd(width)}  ${marks.join(' | ')}`);
  }
  for (const { name, title } of gateways) {
    const outcomes = results.get(name)!;
    const failed = [...outcomes].filter(([, passed]) => !passed).map(([test]) => test);
    console.log(
      `\n${title}: ${passedCount(outcomes)} of ${outcomes.size} passed` +
        (failed.length > 0 ? `; failed: ${failed.join(', ')}` : ''),
    );
  }
}

/** The audit's version, and its commit when the checkout is a git clone. */
function auditVersion(checkout: string): string {
  const { version } = JSON.parse(fs.readFileSync(path.join(checkout, 'package.json'), 'utf8')) as {
    version: string;
  };
  const commit = spawnSync('git', ['-C', checkout, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' });
  return commit.status === 0 ? `${version} (${commit.stdout.trim()})` : version;
}

/** Whether ours kept the baseline: as many passed, and no test the baseline passes failed. */
function keptBaseline(ours: Outcomes): boolean {
  const baseline = readBaseline();
  const regressions = [...ours].filter(([test, passed]) => !passed && !baseline.failing.includes(test));
  const passed = passedCount(ours);
  console.log(`\nBaseline (audit ${baseline.audit}): ${baseline.passed} of ${baseline.total}; now ${passed}.`);
  if (regressions.length > 0)
    console.log(`Failing now, passing in the baseline: ${regressions.map(([t]) => t).join(', ')}`);
  if (passed > baseline.passed) console.log('More pass than the baseline: record it with --record.');
  return passed >= baseline.passed && regressions.length === 0;
}

/** An answer as compared in parity mode: the data, and each error's message and path. */
function comparable(body: string): string {
  try {
    const answer = JSON.parse(body) as { data?: unknown; errors?: { message: string; path?: unknown }[] };
    return JSON.stringify({
      data: answer.data ?? null,
      errors: answer.errors?.map(({ message, path }) => ({ message, path })) ?? [],
    });
  } catch {
    return `not JSON: ${body.slice(0, 200)}`;
  }
}

async function ask(url: string, query: string): Promise<string> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ query }),
    signal: AbortSignal.timeout(10_000),
  });
  return comparable(await response.text());
}

/**
 * --parity: every audit query through our router and through @apollo/gateway, each started in turn
 * on each suite's supergraph; their answers (data, and each error's message and path) must be the
 * same. The audit's subgraphs keep state (its mutations suite counts, and refuses a request id seen
 * before), so each gateway gets subgraphs of its own, fresh, and the same query texts in the same
 * order. The audit's expectations play no part here.
 */
async function parity(checkout: string, tools: AuditTools, gateways: readonly Gateway[]): Promise<boolean> {
  const dir = path.join(WORK_DIR, 'parity');
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  let suites: { id: string; queries: string[] }[] | undefined;
  const answers = new Map<string, string[]>();
  for (const gateway of gateways) {
    console.log(`\n${gateway.title}:`);
    await withAuditSubgraphs(checkout, tools, path.join(dir, `${gateway.name}-subgraphs.log`), async (audit) => {
      if (!suites) {
        const ids = (await (await fetch(`${audit}/ids`)).json()) as string[];
        suites = [];
        for (const id of ids) {
          const tests = (await (
            await fetch(`${audit}/${id}/tests`, { headers: { accept: 'application/json' } })
          ).json()) as { query: string }[];
          suites.push({ id, queries: tests.map(({ query }) => query) });
        }
      }
      for (const { id, queries } of suites) {
        const supergraphPath = path.join(dir, `${gateway.name}-${id}.graphql`);
        fs.writeFileSync(supergraphPath, await (await fetch(`${audit}/${id}/supergraph`)).text());
        const running = await startGateway(gateway, supergraphPath, dir);
        try {
          for (const [index, query] of queries.entries()) {
            const key = `${id}_${index}`;
            answers.set(key, [...(answers.get(key) ?? []), await ask(running.url, query)]);
          }
        } finally {
          await running.process.stop();
        }
        console.log(`  ${id}`);
      }
    });
  }
  const differences = [...answers].filter(([, [ours, theirs]]) => ours !== theirs);
  const intended = readBaseline().differentFromApolloGateway;
  console.log(
    `\nParity: ${answers.size - differences.length} of ${answers.size} answers the same as @apollo/gateway's.`,
  );
  for (const [test, [ours, theirs]] of differences)
    console.log(
      `${test}${intended[test] ? ` (on purpose: ${intended[test]})` : ''}:\n` +
        `  ours:            ${ours}\n  @apollo/gateway: ${theirs}`,
    );
  return differences.every(([test]) => intended[test]);
}

/** The audit's subgraphs (its CLI's `serve`), fresh, for the time `use` takes. */
async function withAuditSubgraphs(
  checkout: string,
  tools: AuditTools,
  logFile: string,
  use: (url: string) => Promise<void>,
): Promise<void> {
  const [port] = await findFreePorts(1);
  const url = `http://127.0.0.1:${port}`;
  const server = await startManagedProcess({
    name: "the audit's subgraphs",
    command: tools.node,
    args: [tools.tsx, path.join(checkout, 'src', 'cli.ts'), 'serve', '--port', String(port)],
    cwd: checkout,
    output: { logFile },
  });
  try {
    const listening = async () => (await fetch(`${url}/ids`).catch(() => undefined))?.ok ?? false;
    if ((await pollUntilReady(listening, { timeoutMs: 60_000, intervalMs: 250, exited: server.exited })) !== 'ready')
      throw new Error(`The audit's subgraphs did not start:\n${server.outputTail(20)}`);
    await use(url);
  } finally {
    await server.stop();
  }
}

/** A gateway started on a supergraph by this script itself (parity mode), answering `{ __typename }`. */
async function startGateway(gateway: Gateway, supergraphPath: string, dir: string) {
  const [port] = await findFreePorts(1);
  const started = await startManagedProcess({
    name: gateway.title,
    command: process.execPath,
    args: gateway.name === 'roombook' ? [gateway.launcher] : [gateway.launcher, String(port), supergraphPath],
    env: { ...gatewayEnvironment(), SUPERGRAPH_PATH: supergraphPath, PORT: String(port) },
    output: { logFile: path.join(dir, `${gateway.name}.log`) },
  });
  const url = `http://127.0.0.1:${port}/graphql`;
  const answering = async () => (await ask(url, '{ __typename }').catch(() => '')).includes('"Query"');
  if ((await pollUntilReady(answering, { timeoutMs: 60_000, intervalMs: 250, exited: started.exited })) !== 'ready') {
    await started.stop();
    throw new Error(`${gateway.title} did not start on ${supergraphPath}:\n${started.outputTail(20)}`);
  }
  return { process: started, url };
}

async function main() {
  const checkout = auditCheckout();
  const tools = auditTools(checkout);
  installAudit(checkout, tools);
  buildIfChanged();
  const all: Gateway[] = [
    {
      name: 'roombook',
      title: 'roombook router',
      launcher: path.join(DIST, 'router', 'src', 'main.js'),
      healthcheck: (port) => `http://127.0.0.1:${port}/health/ready`,
    },
    {
      name: 'apollo-gateway',
      title: '@apollo/gateway',
      launcher: await compilePeerLauncher(),
      // Apollo Server has no health route; the CLI then asks `{ __typename }` until it answers.
      healthcheck: (port) => `tcp:127.0.0.1:${port}`,
    },
  ];
  const chosen = (option('gateways') ?? 'roombook,apollo-gateway').split(',');
  const gateways = all.filter(({ name }) => chosen.includes(name));
  if (gateways.length === 0) throw new Error(`--gateways: choose from ${all.map(({ name }) => name).join(', ')}`);
  console.log(
    `Audit ${auditVersion(checkout)} from ${checkout}; its CLI on ${spawnSync(tools.node, ['--version'], { encoding: 'utf8' }).stdout.trim()}`,
  );

  if (process.argv.includes('--parity')) {
    if (gateways.length !== 2) throw new Error('--parity compares both gateways');
    if (!(await parity(checkout, tools, gateways))) process.exitCode = 1;
    return;
  }

  const results = new Map<string, Outcomes>();
  for (const gateway of gateways) results.set(gateway.name, await audit(checkout, tools, gateway));
  report(gateways, results);

  const ours = results.get('roombook');
  if (!ours) return;
  if (process.argv.includes('--record')) {
    const baseline: Baseline = {
      audit: auditVersion(checkout),
      passed: passedCount(ours),
      total: ours.size,
      failing: [...ours].filter(([, passed]) => !passed).map(([test]) => test),
      differentFromApolloGateway: fs.existsSync(BASELINE_PATH) ? readBaseline().differentFromApolloGateway : {},
    };
    fs.writeFileSync(BASELINE_PATH, `${JSON.stringify(baseline, null, 2)}\n`);
    console.log(`Recorded the baseline in ${path.relative(REPO_ROOT, BASELINE_PATH)}`);
  } else if (!keptBaseline(ours)) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
