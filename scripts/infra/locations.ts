import path from 'node:path';

/** The repository root, found from this file so scripts work from any working directory. */
export const REPO_ROOT = path.resolve(__dirname, '..', '..');

/**
 * Binaries this repository builds or installs for itself (FerretDB, nats-server).
 * Shared by `npm start` and the tests: a binary holds no data, so sharing it is safe.
 */
export const LOCAL_BIN_DIR = path.join(REPO_ROOT, '.data', 'bin');
