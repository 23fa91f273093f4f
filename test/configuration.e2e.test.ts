/**
 * A bad environment is the commonest first-hour mistake. Every service's real main process must
 * answer it with one line per bad variable and a non-zero exit, not a stack trace from the kernel.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { SUBGRAPHS } from '../subgraphs/catalog';

const ROOT = path.resolve(__dirname, '..');

interface Finished {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a service's main as `npm start` does and waits for it to exit. */
function runMain(entry: string, env: Record<string, string>): Promise<Finished> {
  const environment: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'silent', ...env };
  const child = spawn(process.execPath, ['--import', 'tsx', entry], { cwd: ROOT, env: environment });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

const lines = (text: string) => text.split('\n').filter((line) => line !== '');

it('the router names a JWT_SECRET that is too short in exactly one line, and exits', async () => {
  const finished = await runMain('router/src/main.ts', { JWT_SECRET: '0123456789', PORT: '0' });

  expect(finished.code).not.toBe(0);
  expect(lines(finished.stdout)).toEqual([]);
  expect(lines(finished.stderr)).toEqual(['Invalid configuration: JWT_SECRET: must be at least 32 characters']);
});

it('the router refuses the public secrets in production in one line per secret', async () => {
  const finished = await runMain('router/src/main.ts', { NODE_ENV: 'production', PORT: '0' });

  expect(finished.code).not.toBe(0);
  expect(lines(finished.stderr)).toEqual([
    'Invalid configuration: JWT_SECRET: must be set in production (the local default is public)',
    'Invalid configuration: SUBGRAPH_SECRET: must be set in production (the local default is public)',
  ]);
});

it.each(SUBGRAPHS.map(({ name }) => name))(
  'the %s subgraph names each bad variable in one line, and exits',
  async (name) => {
    const finished = await runMain(`subgraphs/${name}/src/main.ts`, { PORT: 'eighty', MONGO_URL: '', NATS_URL: '' });

    expect(finished.code).not.toBe(0);
    expect(lines(finished.stderr)).toEqual([
      'Invalid configuration: PORT: must be a number',
      'Invalid configuration: MONGO_URL: is set but empty',
      'Invalid configuration: NATS_URL: is set but empty',
    ]);
  },
);
