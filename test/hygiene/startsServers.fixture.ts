/**
 * Run only by test/processHygiene.e2e.test.ts, in a Jest run of its own: starts what a test of the
 * suite starts (a nats-server, a subgraph process), tells the outer test its pids through
 * HYGIENE_REPORT, then fails in set-up (HYGIENE_MODE=fail-in-setup) or waits to be interrupted.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { launchService } from '../../scripts/start/service';
import { findFreePort } from '../../scripts/infra/ports';
import { startNatsServer } from '../support/natsServer';
import { testMongoUrl } from '../support/mongo';

const report = (line: string) => fs.appendFileSync(process.env.HYGIENE_REPORT!, `${line}\n`);

beforeAll(async () => {
  const nats = await startNatsServer();
  const port = await findFreePort();
  const room = await launchService({
    name: 'room',
    entry: 'subgraphs/room/src/main.ts',
    runs: 'source',
    port,
    env: { PORT: String(port), NATS_URL: nats.url, MONGO_URL: testMongoUrl(), LOG_LEVEL: 'silent' },
    print: () => undefined,
  });
  await room.untilReady(120_000);
  // A process a test starts by itself, unrecorded, in a process group of its own.
  spawn(process.execPath, ['-e', 'setInterval(() => undefined, 1000)'], { detached: true, stdio: 'ignore' }).unref();
  report(`started ${process.pid} ${room.child.pid}`);
  if (process.env.HYGIENE_MODE === 'fail-in-setup') throw new Error('set-up fails here on purpose');
}, 180_000);

it('waits until the run is interrupted', async () => {
  report('waiting');
  await new Promise(() => undefined);
}, 600_000);
