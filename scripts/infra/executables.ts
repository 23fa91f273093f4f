import fs from 'node:fs';
import path from 'node:path';

/** The first executable file called `name` in `dirs`, in order. */
export function findExecutable(name: string, dirs: readonly string[]): string | undefined {
  return dirs.map((dir) => path.join(dir, name)).find(isExecutableFile);
}

export function isExecutableFile(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}
