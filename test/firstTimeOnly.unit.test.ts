import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beginAttempt } from '../scripts/infra/attempts';

const binDir = fs.mkdtempSync(path.join(os.tmpdir(), 'roombook-attempts-'));
afterAll(() => fs.rmSync(binDir, { recursive: true, force: true }));

it('says "(first time only)" the first time only: after an attempt that did not finish, it says so', () => {
  expect(beginAttempt(binDir, 'nats-server-v2.10.29-download').note).toBe(' (first time only)');
  // That attempt failed (offline): the next start says it is trying again.
  const again = beginAttempt(binDir, 'nats-server-v2.10.29-download');
  expect(again.note).toMatch(/^ \(again: the attempt of \d{4}-\d\d-\d\d \d\d:\d\d UTC did not finish\)$/);
  again.succeeded();
  expect(beginAttempt(binDir, 'nats-server-v2.10.29-download').note).toBe(' (first time only)');
});
