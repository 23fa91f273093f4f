/**
 * npm run bench:gateway: the project's router beside plain @apollo/gateway and Hive Gateway on
 * the same subgraphs, on this machine, in one run:
 *
 * 1. "guild": four static subgraphs in the shape of The Guild's public gateways benchmark, one
 *    nested query of 16 subgraph fetches (bench/gateway/guildSubgraphs.ts); the same
 *    query from one unfederated service is the ceiling.
 * 2. "roombook": the project's own room and reservation subgraphs on a real MongoDB-wire
 *    server and NATS, a page of 20 rooms with their availability; each gateway with its
 *    defaults (merging/deduplication on), then our router and Hive with it off. Beside them, the
 *    floor: the page answered by hand in plain Node, the same two fetches and no more
 *    (bench/gateway/roomsPageByHand.ts).
 *
 * The peers: plain @apollo/gateway, Hive Gateway, and Hive Gateway on its Rust runtime
 * (@graphql-hive/router-runtime, HIVE_ROUTER_RUNTIME=true), each with merging (deduplication) on and
 * Hive also with it off, beside ours with MERGE_INFLIGHT_FETCHES=false.
 *
 * Gateways are measured one at a time, each a process of its own, compiled JavaScript on plain
 * node (no source-map translation), all started once and measured in turn over short rounds
 * (see runScenario); every answer is checked. Prints each round's ratios (ours ÷ Hive + Rust,
 * with the CPU per request of each: on a shared machine the same round's figures are what
 * compare), then the median of each figure over the rounds. Before the first round, the
 * subgraphs are loaded through the first contender, unmeasured (see settle).
 * Environment: BENCH_SECONDS (15), BENCH_ROUNDS (6), BENCH_SETTLE_SECONDS (20), BENCH_CONNECTIONS (50),
 * BENCH_SCENARIOS ("guild,roombook"), BENCH_CONTENDERS (names, separated by ";": only those; all by
 * default), BENCH_ROUTER_NODE_ARGS (node's options for our router only, such as --cpu-prof),
 * BENCH_SUBGRAPH_NODE_OPTIONS (NODE_OPTIONS of the roombook subgraphs, such as a --require that
 * profiles them), TEST_MONGO_URL.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { composeServices } from '@apollo/composition';
import { build as buildServices } from '../scripts/build';
import { ANONYMOUS, DEV_SUBGRAPH_SECRET, IDENTITY_HEADER, InternalTokens } from '@roombook/kernel';
import { composeSupergraph } from '../schema/composition';
import { supergraphForPlanning } from '../router/src/gateway';
import { RESERVE, inDays, registerRoom, stay } from '../test/support/booking';
import { startSystem, type TestSystem } from '../test/support/system';
import { tokenFor } from '../test/support/tokens';
import { GUILD_QUERY, GUILD_SUBGRAPHS, type SubgraphTraffic } from './gateway/guildSubgraphs';
import { isExpectedAnswer, measure, type Operation, type Window } from './gateway/load';
import { REPO_ROOT } from '../scripts/infra/locations';
import { startManagedProcess, type ManagedProcess } from '../scripts/infra/managedProcess';
import { startMongo } from '../scripts/infra/mongo';
import { findFreePort } from '../scripts/infra/ports';
import { pollUntilReady } from '../scripts/infra/readiness';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 6);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const WARMUP_SECONDS = Math.min(5, SECONDS);
const SETTLE_SECONDS = Number(process.env.BENCH_SETTLE_SECONDS ?? 20);
const SCENARIOS = (process.env.BENCH_SCENARIOS ?? 'guild,roombook').split(',');
const CONTENDERS = process.env.BENCH_CONTENDERS?.split(';').map((name) => name.trim());
const WORK_DIR = path.join(REPO_ROOT, '.data', 'bench-gateway');
/** Node options for our router only, to profile it where it runs (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"). */
const ROUTER_NODE_ARGS = process.env.BENCH_ROUTER_NODE_ARGS?.split(' ').filter(Boolean) ?? [];

const HIVE_RUST = 'Hive Gateway + Rust runtime';
/** The roombook page answered by hand in plain Node: what any Node process pays for it (no gateway). */
const ROOMS_BY_HAND = 'the page by hand in plain Node';

/**
 * What ours is compared with in every scenario: merging on for both, then off for both. Last, the
 * floor's own ratio on the roombook page: the most any Node gateway could reach in that window.
 */
const RATIOS = [
  ['roombook router', HIVE_RUST],
  ['roombook router, merging off', `${HIVE_RUST}, deduplication off`],
  ['roombook router', 'Hive Gateway'],
  ['roombook router', '@apollo/gateway'],
  ['roombook router, merging off', 'Hive Gateway, deduplication off'],
  [ROOMS_BY_HAND, `${HIVE_RUST}, deduplication off`],
] as const;

/** A gateway running: its process (whose CPU is measured) and where it answers. */
interface Running {
  readonly process: ManagedProcess;
  readonly url: string;
  stop(): Promise<void>;
}

/** A gateway to measure: how to start it in front of a supergraph. */
interface Contender {
  readonly name: string;
  readonly start: (supergraphPath: string) => Promise<Running>;
}

interface Scenario {
  readonly name: string;
  readonly supergraphPath: string;
  readonly operation: Operation;
  readonly contenders: readonly Contender[];
  /** What the project's router is compared with, as [ours, theirs] contender names. */
  readonly ratios: readonly (readonly [string, string])[];
  /** The subgraphs' traffic since last read, by subgraph (where the subgraphs count it). */
  readonly traffic?: () => Promise<Record<string, SubgraphTraffic>>;
}

function spawnNode(name: string, args: string[], env: Record<string, string> = {}): Promise<ManagedProcess> {
  return startManagedProcess({
    name,
    command: process.execPath,
    args,
    cwd: REPO_ROOT,
    env: { ...process.env, NODE_ENV: 'production', ...env },
    output: { onLine: (line) => process.env.BENCH_VERBOSE && console.log(`[${name}] ${line}`) },
  });
}

/** The launchers of the peers and the static subgraphs, as JavaScript next to node_modules. */
async function compileLaunchers(): Promise<string> {
  const outdir = path.join(WORK_DIR, 'js');
  await build({
    entryPoints: ['plainGateway', 'hiveGateway', 'guildSubgraphs', 'roomsPageByHand'].map((file) =>
      path.join(REPO_ROOT, 'bench', 'gateway', `${file}.ts`),
    ),
    outdir,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    logLevel: 'warning',
  });
  return outdir;
}

/** A process started on a free port, answering at /graphql there. */
async function listening(start: (port: number) => Promise<ManagedProcess>): Promise<Running> {
  const port = await findFreePort();
  const started = await start(port);
  return { process: started, url: `http://127.0.0.1:${port}/graphql`, stop: async () => void (await started.stop()) };
}

/** Our router, compiled (npm run build), with the environment a variant needs. */
function ourRouter(name: string, env: Record<string, string>): Contender {
  return {
    name,
    start: (supergraphPath) =>
      listening((port) =>
        spawnNode(name, [...ROUTER_NODE_ARGS, path.join(REPO_ROOT, 'dist', 'router', 'src', 'main.js')], {
          PORT: String(port),
          SUPERGRAPH_PATH: supergraphPath,
          LOG_LEVEL: 'warn',
          NODE_ENV: 'test',
          ...env,
        }),
      ),
  };
}

function peer(name: string, launcher: string, env: Record<string, string>): Contender {
  return {
    name,
    start: (supergraphPath) =>
      // Telemetry off: @apollo/gateway would otherwise try to report to Apollo on every start.
      listening((port) =>
        spawnNode(name, [launcher, String(port), supergraphPath], { APOLLO_TELEMETRY_DISABLED: 'true', ...env }),
      ),
  };
}

async function untilAnswering({ url, process: gateway }: Running, operation: Operation): Promise<void> {
  const answersRight = async () => {
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...operation.headers },
        body: JSON.stringify({ query: operation.query, variables: operation.variables ?? {} }),
      });
      return response.ok && isExpectedAnswer(await response.text(), operation.expectedData);
    } catch {
      return false;
    }
  };
  const outcome = await pollUntilReady(answersRight, { timeoutMs: 60_000, intervalMs: 250, exited: gateway.exited });
  if (outcome !== 'ready') {
    throw new Error(
      `${gateway.name} did not answer correctly (${outcome}). Its last output:\n${gateway.outputTail(20)}`,
    );
  }
}

/** The scenario's contenders, or those BENCH_CONTENDERS names. */
function chosen(scenario: Scenario): readonly Contender[] {
  if (!CONTENDERS) return scenario.contenders;
  const unknown = CONTENDERS.filter((name) => !scenario.contenders.some((contender) => contender.name === name));
  if (unknown.length > 0) {
    throw new Error(
      `Unknown contender ${unknown.join(', ')}; known: ${scenario.contenders.map(({ name }) => name).join(', ')}`,
    );
  }
  return scenario.contenders.filter(({ name }) => CONTENDERS.includes(name));
}

/** The load average over the last minute, as `uptime` prints it. */
const loadAverage = () => os.loadavg()[0].toFixed(1);

/**
 * Every contender started once and kept running (idle while another is measured), so the rounds
 * are short windows taken in turn: a machine whose speed drifts (a shared host: the subgraphs'
 * CPU per request went from 8 to 12 ms within one run here) slows every contender of a round
 * alike, where one long window per gateway left the ratio to the drift.
 */
async function runScenario(scenario: Scenario): Promise<Map<string, Window[]>> {
  const contenders = chosen(scenario);
  const windows = new Map<string, Window[]>(contenders.map(({ name }) => [name, []]));
  const running = new Map<string, Running>();
  try {
    for (const contender of contenders) {
      const gateway = await contender.start(scenario.supergraphPath);
      running.set(contender.name, gateway);
      await untilAnswering(gateway, scenario.operation);
    }
    await settle(scenario, contenders, running);
    for (let round = 0; round < ROUNDS; round += 1) {
      // Alternated: each round starts with the next contender, so no one always runs first.
      const order = contenders.map((_, index) => contenders[(index + round) % contenders.length]);
      for (const contender of order) {
        const {
          url,
          process: { pid },
        } = running.get(contender.name)!;
        await scenario.traffic?.();
        const window = await measure(url, pid, scenario.operation, { connections: CONNECTIONS, seconds: SECONDS });
        const traffic = await scenario.traffic?.();
        windows.get(contender.name)!.push(window);
        console.log(
          `  ${scenario.name} round ${round + 1} ${contender.name.padEnd(30)} ${window.requestsPerSecond.toFixed(1).padStart(7)} req/s` +
            `  p50 ${window.p50} ms  p95 ${window.p95} ms  p99 ${window.p99} ms  CPU ${window.cpuMsPerRequest.toFixed(2)} ms/req (rest ${window.restCpuMsPerRequest.toFixed(2)})  errors ${window.errors}  load ${loadAverage()}`,
        );
        if (traffic) console.log(`    ${trafficLine(traffic, window.requests)}`);
        if (process.env.BENCH_VERBOSE) console.log(`    the rest: ${window.restByProcess.join(', ')}`);
        if (traffic && process.env.BENCH_VERBOSE) console.log(JSON.stringify(traffic, null, 2));
      }
      for (const [ours, theirs] of scenario.ratios) {
        const [mine, peers] = [windows.get(ours)?.[round], windows.get(theirs)?.[round]];
        if (mine && peers) console.log(`  ${scenario.name} round ${round + 1} ${ratioLine(ours, mine, theirs, peers)}`);
      }
    }
  } finally {
    await Promise.all([...running.values()].map((gateway) => gateway.stop()));
  }
  return windows;
}

/**
 * Before the first round, unmeasured: the subgraphs loaded through the first contender for
 * BENCH_SETTLE_SECONDS (on FerretDB over PostgreSQL they spent 12.0 and 11.8 ms of CPU per
 * request in a first round's two windows against 8.5 and 8.8 in the second's, whoever ran first),
 * then each contender for a few seconds of its own warm-up.
 */
async function settle(
  scenario: Scenario,
  contenders: readonly Contender[],
  running: ReadonlyMap<string, Running>,
): Promise<void> {
  const load = async (contender: Contender, seconds: number) => {
    const { url, process: gateway } = running.get(contender.name)!;
    return measure(url, gateway.pid, scenario.operation, { connections: CONNECTIONS, seconds });
  };
  if (SETTLE_SECONDS > 0) {
    const window = await load(contenders[0], SETTLE_SECONDS);
    console.log(
      `  ${scenario.name} settled: ${SETTLE_SECONDS} s through ${contenders[0].name}, not counted (the rest ${window.restCpuMsPerRequest.toFixed(2)} ms/req)`,
    );
  }
  for (const contender of contenders) await load(contender, WARMUP_SECONDS);
}

/** Subgraph requests and kB each way per answered request, in all and by subgraph. */
function trafficLine(traffic: Record<string, SubgraphTraffic>, answered: number): string {
  const per = (value: number) => (value / answered).toFixed(2);
  const all = Object.values(traffic);
  const sum = (pick: (each: SubgraphTraffic) => number) => all.reduce((total, each) => total + pick(each), 0);
  const bySubgraph = Object.entries(traffic)
    .map(([name, each]) => `${name} ${per(each.requests)} (${each.operations.length} operations)`)
    .join(', ');
  return (
    `subgraph requests per request ${per(sum((each) => each.requests))} (${bySubgraph});` +
    ` kB sent ${per(sum((each) => each.requestBytes) / 1000)}, answered ${per(sum((each) => each.answerBytes) / 1000)}`
  );
}

/** ours ÷ theirs in requests per second, and each one's router CPU per request. */
function ratioLine(ours: string, mine: Window, theirs: string, peers: Window): string {
  return (
    `${ours} / ${theirs}: ${(mine.requestsPerSecond / peers.requestsPerSecond).toFixed(2)}× the requests per second;` +
    ` CPU ${mine.cpuMsPerRequest.toFixed(2)} vs ${peers.cpuMsPerRequest.toFixed(2)} ms/req` +
    ` (the rest ${mine.restCpuMsPerRequest.toFixed(2)} vs ${peers.restCpuMsPerRequest.toFixed(2)})`
  );
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

function report(scenario: Scenario, windows: Map<string, Window[]>): void {
  console.log(`\n${scenario.name}: medians of ${ROUNDS} rounds of ${SECONDS} s, ${CONNECTIONS} connections`);
  console.log('| gateway | req/s | p50 ms | p95 ms | p99 ms | CPU ms/req | the rest, CPU ms/req | errors |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  const rate = (name: string) => median(windows.get(name)!.map((window) => window.requestsPerSecond));
  for (const [name, measured] of windows) {
    const of = (pick: (window: Window) => number) => median(measured.map(pick));
    const errors = measured.reduce((sum, window) => sum + window.errors, 0);
    console.log(
      `| ${name} | ${rate(name).toFixed(1)} | ${of((w) => w.p50)} | ${of((w) => w.p95)} | ${of((w) => w.p99)} | ${of((w) => w.cpuMsPerRequest).toFixed(2)} | ${of((w) => w.restCpuMsPerRequest).toFixed(2)} | ${errors} |`,
    );
  }
  for (const [ours, theirs] of scenario.ratios) {
    if (!windows.has(ours) || !windows.has(theirs)) continue;
    const perRound = windows
      .get(ours)!
      .map((mine, round) => (mine.requestsPerSecond / windows.get(theirs)![round].requestsPerSecond).toFixed(2));
    console.log(
      `${ours} / ${theirs}: ${(rate(ours) / rate(theirs)).toFixed(2)}× the requests per second (medians; by round: ${perRound.join(', ')})`,
    );
  }
}

async function guildScenario(launchers: string): Promise<{ scenario: Scenario; stop: () => Promise<void> }> {
  const names = Object.keys(GUILD_SUBGRAPHS) as (keyof typeof GUILD_SUBGRAPHS)[];
  const ports = await Promise.all([...names, 'monolith'].map(() => findFreePort()));
  const subgraphs = await spawnNode('guild-subgraphs', [
    path.join(launchers, 'guildSubgraphs.js'),
    ...ports.map(String),
  ]);
  const composed = composeServices(
    names.map((name, index) => ({
      name,
      url: `http://127.0.0.1:${ports[index]}/graphql`,
      typeDefs: GUILD_SUBGRAPHS[name].typeDefs,
    })),
  );
  if (composed.errors) throw new Error(`Composition failed: ${composed.errors.map((e) => e.message).join('; ')}`);
  const supergraphPath = path.join(WORK_DIR, 'guild-supergraph.graphql');
  writeFileSync(supergraphPath, composed.supergraphSdl);

  // The unfederated service's answer is the reference; the ceiling is its own rate.
  const monolithUrl = `http://127.0.0.1:${ports[4]}/graphql`;
  const reference = { query: GUILD_QUERY, expectedData: '' };
  const readReference = async () => {
    const response = await fetch(monolithUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: GUILD_QUERY }),
    }).catch(() => undefined);
    return response?.ok ? ((await response.json()) as { data: unknown }).data : undefined;
  };
  await pollUntilReady(async () => (await readReference()) !== undefined, {
    timeoutMs: 30_000,
    exited: subgraphs.exited,
  });
  const expectedData = JSON.stringify(await readReference());
  console.log(
    `guild: the answer is ${(JSON.stringify({ data: JSON.parse(expectedData) as unknown }).length / 1000).toFixed(1)} kB`,
  );

  const monolith: Contender = {
    name: 'one unfederated service',
    // Already running, in the static subgraphs' process (whose CPU is then its own).
    start: () => Promise.resolve({ process: subgraphs, url: monolithUrl, stop: () => Promise.resolve() }),
  };
  const contenders: Contender[] = [
    ourRouter('roombook router', {}),
    peer('@apollo/gateway', path.join(launchers, 'plainGateway.js'), {}),
    peer('Hive Gateway', path.join(launchers, 'hiveGateway.js'), {}),
    peer(HIVE_RUST, path.join(launchers, 'hiveGateway.js'), { HIVE_ROUTER_RUNTIME: 'true' }),
    ourRouter('roombook router, merging off', { MERGE_INFLIGHT_FETCHES: 'false' }),
    peer('Hive Gateway, deduplication off', path.join(launchers, 'hiveGateway.js'), { BENCH_DEDUPLICATION: 'false' }),
    peer(`${HIVE_RUST}, deduplication off`, path.join(launchers, 'hiveGateway.js'), {
      HIVE_ROUTER_RUNTIME: 'true',
      BENCH_DEDUPLICATION: 'false',
    }),
  ];
  return {
    scenario: {
      name: 'guild',
      supergraphPath,
      operation: { ...reference, expectedData },
      contenders: [...contenders, monolith],
      ratios: RATIOS,
      traffic: async () =>
        (await (await fetch(`http://127.0.0.1:${ports[4]}/traffic`)).json()) as Record<string, SubgraphTraffic>,
    },
    stop: async () => void (await subgraphs.stop()),
  };
}

async function roombookScenario(launchers: string): Promise<{ scenario: Scenario; stop: () => Promise<void> }> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'roombook-bench-gateway-'));
  const mongo = process.env.TEST_MONGO_URL
    ? undefined
    : await startMongo({ dir, port: await findFreePort(), log: (line) => console.log(line) });
  process.env.TEST_MONGO_URL ??= mongo!.url;
  const system: TestSystem = await startSystem(['room', 'payment', 'reservation'], {
    warmUps: true,
    processes: {
      // Built, on plain node, as in production and as our router runs here.
      runs: 'compiled',
      environment: {
        LOG_LEVEL: 'warn',
        ...(process.env.BENCH_SUBGRAPH_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_SUBGRAPH_NODE_OPTIONS } : {}),
      },
    },
  });
  const [host, guest] = await Promise.all([tokenFor('bench-host', ['HOST']), tokenFor('bench-guest', ['GUEST'])]);
  const city = `Benchbourg-${Date.now()}`;
  const rooms: string[] = [];
  for (let index = 0; index < 20; index += 1)
    rooms.push(await registerRoom(system, host, { city, name: `Room ${index}` }));
  // A quarter of them taken on the nights asked about, so the answers differ from room to room.
  for (const roomId of rooms.filter((_, index) => index % 4 === 0)) {
    const booked = await system.graphql(RESERVE, { input: stay(roomId, 10, 12) }, guest);
    if (booked.errors) throw new Error(`booking failed: ${JSON.stringify(booked.errors)}`);
  }
  const query = `query Page($city: String!, $checkIn: Date!, $checkOut: Date!) {
    rooms(filter: { city: $city }, first: 20) {
      edges { node { id name city capacity pricePerNight { amount currency } isAvailable(checkIn: $checkIn, checkOut: $checkOut) } }
    }
  }`;
  const expectedData = JSON.stringify({
    rooms: {
      edges: rooms.map((id, index) => ({
        node: {
          id,
          name: `Room ${index}`,
          city,
          capacity: 2,
          pricePerNight: { amount: 10_000, currency: 'EUR' },
          isAvailable: index % 4 !== 0,
        },
      })),
    },
  });

  const urls: Record<string, string> = {
    room: system.subgraph('room').url,
    payment: system.subgraph('payment').url,
    reservation: system.subgraph('reservation').url,
  };
  const supergraphPath = path.join(WORK_DIR, 'roombook-supergraph.graphql');
  // The peers do not enforce the SECURITY features (@authenticated…) and plain @apollo/gateway refuses
  // them; the query measured reads no field they guard, so every contender is given them as plain links.
  writeFileSync(supergraphPath, supergraphForPlanning(composeSupergraph((name) => urls[name])));
  // The peers state the caller (anonymous) to our subgraphs as the router does: a signed token per subgraph.
  const tokens = new InternalTokens(DEV_SUBGRAPH_SECRET, 'bench', 24 * 3600);
  const headers: Record<string, Record<string, string>> = {};
  for (const name of Object.keys(urls)) headers[name] = { [IDENTITY_HEADER]: await tokens.sign(ANONYMOUS, name) };
  const peerEnv = { BENCH_SUBGRAPH_HEADERS: JSON.stringify(headers) };
  const ourEnv = Object.fromEntries(
    Object.entries(urls).map(([name, url]) => [`SUBGRAPH_${name.toUpperCase()}_URL`, url]),
  );

  return {
    scenario: {
      name: 'roombook',
      supergraphPath,
      operation: { query, variables: { city, checkIn: inDays(11), checkOut: inDays(13) }, expectedData },
      contenders: [
        ourRouter('roombook router', ourEnv),
        peer('@apollo/gateway', path.join(launchers, 'plainGateway.js'), peerEnv),
        peer('Hive Gateway', path.join(launchers, 'hiveGateway.js'), peerEnv),
        peer(HIVE_RUST, path.join(launchers, 'hiveGateway.js'), { ...peerEnv, HIVE_ROUTER_RUNTIME: 'true' }),
        ourRouter('roombook router, merging off', { ...ourEnv, MERGE_INFLIGHT_FETCHES: 'false' }),
        peer('Hive Gateway, deduplication off', path.join(launchers, 'hiveGateway.js'), {
          ...peerEnv,
          BENCH_DEDUPLICATION: 'false',
        }),
        peer(`${HIVE_RUST}, deduplication off`, path.join(launchers, 'hiveGateway.js'), {
          ...peerEnv,
          HIVE_ROUTER_RUNTIME: 'true',
          BENCH_DEDUPLICATION: 'false',
        }),
        peer(ROOMS_BY_HAND, path.join(launchers, 'roomsPageByHand.js'), peerEnv),
      ],
      ratios: RATIOS,
    },
    stop: async () => {
      await system.stop();
      await mongo?.stop();
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}

async function main() {
  mkdirSync(WORK_DIR, { recursive: true });
  console.log(
    `Machine: ${os.cpus().length} × ${os.cpus()[0].model}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}`,
  );
  // Our router runs compiled, as in production (plain node, no source-map translation).
  buildServices();
  const launchers = await compileLaunchers();
  const setups = { guild: guildScenario, roombook: roombookScenario };
  for (const name of SCENARIOS) {
    const setup = setups[name as keyof typeof setups];
    if (!setup) throw new Error(`Unknown scenario ${name}; known: ${Object.keys(setups).join(', ')}`);
    const { scenario, stop } = await setup(launchers);
    try {
      report(scenario, await runScenario(scenario));
    } finally {
      await stop();
    }
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
