import { execFile } from 'node:child_process';
import { serialize } from 'node:v8';
import { promisify } from 'node:util';

/** Whether V8 holds a text as two bytes a character: the tag its serializer writes says so. */
export function isTwoByte(text: string): boolean {
  const bytes = serialize(text);
  let at = 2; // after the header
  while (bytes[at] === 0) at += 1; // padding before a two-byte text
  return bytes[at] === 'c'.charCodeAt(0);
}

/**
 * Runs a TypeScript script in a new Node process and returns what it printed. How V8 holds a name
 * is decided by the first string of that name the process puts in its table of property names, and
 * Jest runs many test files in one process: a name another file used first decides (a literal
 * `'rooms'` was once two-byte that way). A new process starts as a router or a subgraph does.
 */
export async function printedByFreshProcess(script: string): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', script], {
    cwd: `${__dirname}/../..`,
  });
  return stdout.trim();
}
