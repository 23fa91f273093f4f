import fs from 'node:fs';
import path from 'node:path';

/**
 * What to say about a download or a build into the bin dir: "(first time only)" the first time;
 * when an earlier attempt did not finish (offline, interrupted), that instead, so that a machine
 * that tries on every start is not told each time that it is the first. A marker file in
 * `<binDir>/.attempts/` stands for an attempt under way or failed; success removes it.
 */
export interface Attempt {
  /** " (first time only)", or " (again: the attempt of <when> did not finish)". */
  readonly note: string;
  succeeded(): void;
}

export function beginAttempt(binDir: string, what: string): Attempt {
  const marker = path.join(binDir, '.attempts', what.replace(/[^\w.-]+/g, '_'));
  const earlier = fs.statSync(marker, { throwIfNoEntry: false });
  const note = earlier
    ? ` (again: the attempt of ${earlier.mtime.toISOString().slice(0, 16).replace('T', ' ')} UTC did not finish)`
    : ' (first time only)';
  try {
    fs.mkdirSync(path.dirname(marker), { recursive: true });
    fs.writeFileSync(marker, '');
  } catch {
    // A read-only bin dir: the note is only less precise.
  }
  return { note, succeeded: () => fs.rmSync(marker, { force: true }) };
}
