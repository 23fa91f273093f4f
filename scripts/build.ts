/**
 * `npm run build`: the services as plain JavaScript under dist/, which `node` runs without tsx or
 * any dev dependency (the runtime image is `npm ci --omit=dev` plus dist/):
 *
 *   node dist/router/src/main.js
 *   node dist/subgraphs/<name>/src/main.js
 *
 * tsc compiles the sources (tsconfig.build.json) to CommonJS, keeping the repository's layout, so
 * every path a module finds from its own `__dirname` holds in dist/ too once the files that are
 * not TypeScript are copied beside it: each subgraph's schema.graphql, the supergraph, the
 * router's page assets. The client app is built by Vite into dist/client/dist, where the compiled
 * router finds it as the router run from source finds client/dist. The workspace packages (@roombook/kernel, @roombook/contracts) point at
 * their TypeScript sources; dist/ gets its own copy of their package.json, pointing at the
 * compiled files, and dist/node_modules links to it, which Node finds before the repository's
 * node_modules.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { SUBGRAPHS } from '../subgraphs/catalog';

const ROOT = path.resolve(__dirname, '..');
export const DIST = path.join(ROOT, 'dist');

/** Workspace packages the services import by name, and where their sources are. */
const WORKSPACE_PACKAGES = [
  { name: '@roombook/kernel', directory: 'packages/kernel' },
  { name: '@roombook/contracts', directory: 'packages/contracts' },
];

/** Every workspace whose compiled files dist/ holds. */
const WORKSPACE_DIRECTORIES = [
  ...WORKSPACE_PACKAGES.map(({ directory }) => directory),
  'router',
  ...SUBGRAPHS.map(({ name }) => `subgraphs/${name}`),
];

/** Files read at run time relative to the module that reads them. */
const ASSETS = [
  'schema/supergraph.graphql',
  ...SUBGRAPHS.map(({ name }) => `subgraphs/${name}/schema.graphql`),
  ...filesUnder('router/src/explorer'),
];

function filesUnder(directory: string): string[] {
  return fs
    .readdirSync(path.join(ROOT, directory), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && !entry.name.endsWith('.ts'))
    .map((entry) => path.relative(ROOT, path.join(entry.parentPath, entry.name)));
}

/** "./src/index.ts" → "./src/index.js"; anything else as it is. */
function compiled(target: unknown): unknown {
  if (typeof target === 'string') return target.replace(/\.ts$/, '.js');
  if (target !== null && typeof target === 'object') {
    return Object.fromEntries(Object.entries(target).map(([key, value]) => [key, compiled(value)]));
  }
  return target;
}

function linkWorkspacePackage(dist: string, { name, directory }: { name: string; directory: string }): void {
  const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, directory, 'package.json'), 'utf8')) as Record<
    string,
    unknown
  >;
  const { main, exports, dependencies } = manifest;
  const distManifest = {
    name,
    version: manifest.version,
    private: true,
    main: compiled(main),
    exports: compiled(exports),
    dependencies,
  };
  fs.writeFileSync(path.join(dist, directory, 'package.json'), `${JSON.stringify(distManifest, null, 2)}\n`);

  const link = path.join(dist, 'node_modules', name);
  fs.mkdirSync(path.dirname(link), { recursive: true });
  fs.symlinkSync(path.relative(path.dirname(link), path.join(dist, directory)), link, 'dir');
}

/**
 * npm installs a workspace's dependency inside the workspace (`<workspace>/node_modules`) when
 * another version of it sits at the root (lru-cache 11 for the kernel, 5 at the root): the
 * compiled files find it through a link there. In the image the link points at the production
 * install's copy, beside dist/.
 */
function linkNestedDependencies(dist: string): void {
  for (const directory of WORKSPACE_DIRECTORIES) {
    const nested = path.join(ROOT, directory, 'node_modules');
    const link = path.join(dist, directory, 'node_modules');
    if (!fs.existsSync(nested) || !fs.existsSync(path.dirname(link))) continue;
    fs.symlinkSync(path.relative(path.dirname(link), nested), link, 'dir');
  }
}

/**
 * Builds into `dist` (default dist/), from scratch. Node finds the services' dependencies by
 * walking up from there, so it must lie inside the repository (or, in the image, beside
 * /app/node_modules).
 */
export function build(dist: string = DIST): void {
  fs.rmSync(dist, { recursive: true, force: true });
  buildServices(dist);
  buildClientApp(path.join(dist, 'client', 'dist'));
  writeStamp(dist, inputsNow());
}

/** The parts of dist/ built apart: the services (tsc) and the client app (Vite). */
export type BuildPart = 'services' | 'client app';

/** What `buildIfChanged` did: nothing, or which parts it built again. */
export type BuildOutcome = { readonly compiled: readonly BuildPart[] };

/**
 * What `npm start` runs: builds only the parts whose sources changed since dist/ was built (the
 * services, compiled incrementally by tsc; the client app), and nothing at all when none did.
 * Changes are seen by the path, size and modification time of every source file and of
 * package-lock.json. `parts`: only these are looked at (a benchmark of the services needs no app).
 */
export function buildIfChanged(
  dist: string = DIST,
  parts: readonly BuildPart[] = ['services', 'client app'],
): BuildOutcome {
  const stamp = readStamp(dist);
  const now = inputsNow();
  const compiled: BuildPart[] = [];
  if (parts.includes('services') && stamp?.services !== now.services) {
    buildServices(dist);
    compiled.push('services');
  }
  if (parts.includes('client app') && stamp?.client !== now.client) {
    buildClientApp(path.join(dist, 'client', 'dist'));
    compiled.push('client app');
  }
  // A part not looked at keeps the stamp it had: it is still as old as it was.
  if (compiled.length > 0)
    writeStamp(dist, {
      services: compiled.includes('services') ? now.services : (stamp?.services ?? ''),
      client: compiled.includes('client app') ? now.client : (stamp?.client ?? ''),
    });
  return { compiled };
}

/** tsc (incremental: its build info lives in dist/, so it goes when dist/ goes), then what tsc does not copy. */
function buildServices(dist: string): void {
  const tsc = spawnSync(
    process.execPath,
    [
      require.resolve('typescript/bin/tsc'),
      ...['-p', 'tsconfig.build.json', '--outDir', dist],
      ...['--incremental', '--tsBuildInfoFile', path.join(dist, '.tsbuildinfo')],
    ],
    { cwd: ROOT, stdio: 'inherit' },
  );
  if (tsc.status !== 0) throw new Error(`tsc -p tsconfig.build.json failed (exit ${tsc.status})`);

  for (const asset of ASSETS) {
    fs.mkdirSync(path.dirname(path.join(dist, asset)), { recursive: true });
    fs.copyFileSync(path.join(ROOT, asset), path.join(dist, asset));
  }
  // The compiled files are CommonJS whatever a package.json above dist/ may say.
  fs.writeFileSync(
    path.join(dist, 'package.json'),
    `${JSON.stringify({ type: 'commonjs', private: true }, null, 2)}\n`,
  );
  // Links from an earlier build are made again (a workspace's nested node_modules may have gone).
  fs.rmSync(path.join(dist, 'node_modules'), { recursive: true, force: true });
  for (const directory of WORKSPACE_DIRECTORIES) fs.rmSync(path.join(dist, directory, 'node_modules'), { force: true });
  for (const workspacePackage of WORKSPACE_PACKAGES) linkWorkspacePackage(dist, workspacePackage);
  linkNestedDependencies(dist);
}

// ---- what dist/ was built from -----------------------------------------------------------------

interface BuildInputs {
  readonly services: string;
  readonly client: string;
}
const STAMP = '.build-inputs.json';

/** Sources of the services (what tsconfig.build.json compiles, and the files copied beside it). */
const SERVICE_SOURCES = ['packages', 'subgraphs', 'router/src', 'schema', 'tsconfig.json', 'tsconfig.build.json'];
const CLIENT_SOURCES = ['client', 'schema/supergraph.graphql'];
const NOT_SOURCES = new Set(['node_modules', 'dist', 'test', '.data']);

function inputsNow(): BuildInputs {
  const lock = fingerprintOf(['package-lock.json']);
  return { services: fingerprintOf(SERVICE_SOURCES) + lock, client: fingerprintOf(CLIENT_SOURCES) + lock };
}

function fingerprintOf(roots: readonly string[]): string {
  const hash = createHash('sha256');
  const visit = (relative: string) => {
    const stat = fs.statSync(path.join(ROOT, relative), { throwIfNoEntry: false });
    if (!stat) return;
    if (stat.isDirectory()) {
      for (const entry of fs.readdirSync(path.join(ROOT, relative)).sort()) {
        if (!NOT_SOURCES.has(entry) && !entry.endsWith('.test.ts')) visit(path.join(relative, entry));
      }
    } else hash.update(`${relative}\0${stat.size}\0${stat.mtimeMs}\n`);
  };
  for (const root of roots) visit(root);
  return hash.digest('hex').slice(0, 16);
}

function readStamp(dist: string): BuildInputs | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(dist, STAMP), 'utf8')) as BuildInputs;
  } catch {
    return undefined;
  }
}

function writeStamp(dist: string, inputs: BuildInputs): void {
  fs.writeFileSync(path.join(dist, STAMP), `${JSON.stringify(inputs, null, 2)}\n`);
}

/** The guests' and hosts' app (client/): Vite's build of it, with its trusted-documents manifest. */
export function buildClientApp(outDir: string): void {
  const vite = spawnSync('npm', ['run', 'build', '--workspace', 'client', '--', '--outDir', outDir, '--emptyOutDir'], {
    cwd: ROOT,
    stdio: 'inherit',
    // What ships, whoever builds it: Jest sets NODE_ENV=test, which would give React's development build.
    env: { ...process.env, NODE_ENV: 'production' },
  });
  if (vite.status !== 0) throw new Error(`npm run build -w client failed (exit ${vite.status})`);
}

if (require.main === module) {
  try {
    const where = `${path.relative(process.cwd(), DIST) || '.'}/`;
    if (process.argv.includes('--if-changed')) {
      const { compiled } = buildIfChanged();
      console.log(
        compiled.length === 0
          ? `${where} is up to date with the sources: nothing to compile`
          : `Built the ${compiled.join(' and the ')} again into ${where}`,
      );
    } else {
      build();
      console.log(`Built into ${where}`);
    }
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  }
}
