/**
 * The app's documents are checked against the supergraph's API schema: a field the supergraph does
 * not have fails code generation, and with it `npm run typecheck` (which runs it with --check).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const CLIENT = path.join(__dirname, '..');

let directory: string;
beforeEach(() => {
  directory = fs.mkdtempSync(path.join(os.tmpdir(), 'roombook-codegen-'));
});
afterEach(() => fs.rmSync(directory, { recursive: true, force: true }));

/** `graphql-codegen` with the app's config (client/codegen.ts), for one source file of documents. */
function generateFor(source: string): { status: number | null; output: string } {
  fs.writeFileSync(
    path.join(directory, 'documents.ts'),
    `import { graphql } from './gql';\nexport const document = graphql(\`${source}\`);\n`,
  );
  fs.writeFileSync(
    path.join(directory, 'codegen.ts'),
    `import config from ${JSON.stringify(path.join(CLIENT, 'codegen.ts'))};
const [[, output]] = Object.entries(config.generates);
export default { ...config, documents: [${JSON.stringify(path.join(directory, 'documents.ts'))}],
  generates: { ${JSON.stringify(`${directory}/gql/`)}: output } };\n`,
  );
  const run = spawnSync('npx', ['graphql-codegen', '--config', path.join(directory, 'codegen.ts'), '--errors-only'], {
    cwd: CLIENT,
    encoding: 'utf8',
    // Under NODE_ENV=test (Jest's) codegen prints no error details; `npm run typecheck` runs without it.
    env: { ...process.env, NODE_ENV: 'development' },
  });
  return { status: run.status, output: run.stdout + run.stderr };
}

it('types a document whose fields the supergraph has', () => {
  const { status, output } = generateFor(
    'query Rooms { rooms { edges { node { id name isAvailable(checkIn: "2030-01-01", checkOut: "2030-01-02") } } } }',
  );
  expect({ status, output }).toEqual({ status: 0, output: expect.any(String) });
  expect(fs.readFileSync(path.join(directory, 'gql', 'graphql.ts'), 'utf8')).toContain('export type RoomsQuery');
});

it('fails on a field the supergraph does not have, naming it', () => {
  const { status, output } = generateFor('query Rooms { rooms { edges { node { id wifiSpeed } } } }');
  expect(status).not.toBe(0);
  expect(output).toContain('Cannot query field "wifiSpeed" on type "Room"');
});
