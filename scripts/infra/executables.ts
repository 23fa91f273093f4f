import fs from 'node:fs';
import path from 'node:path';

/** The first executable called `name` on PATH, else the first of `fallbacks` that is executable. */
export function findExecutable(name: string, fallbacks: readonly string[] = []): string | undefined {
  const onPath = (process.env.PATH ?? '')
    .split(path.delimiter)
    .filter((dir) => dir !== '')
    .map((dir) => path.join(dir, name));
  return [...onPath, ...fallbacks].find(isExecutableFile);
}

function isExecutableFile(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}
