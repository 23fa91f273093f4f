import path from 'node:path';
import type { RequestOptions } from 'node:https';
import { DryMongoBinary } from 'mongodb-memory-server-core';
import { MongoBinaryDownload } from 'mongodb-memory-server-core/lib/util/MongoBinaryDownload';
import { MongoBinaryDownloadUrl } from 'mongodb-memory-server-core/lib/util/MongoBinaryDownloadUrl';
import { describeNetworkFailure } from './download';
import { DownloadFailedError } from './errors';
import type { Log } from './log';
import { beginAttempt } from './attempts';

/** The major docker-compose.yml and the CI workflow run (mongo:7), so every way of running meets the same server. */
export const MONGOD_VERSION = '7.0.40';

/**
 * mongodb-memory-server's downloader (archive for this OS and distribution, MD5 check, extraction
 * of mongod, MONGOMS_DOWNLOAD_MIRROR, proxies), with our deadline: one attempt instead of three
 * with back-off, so a refused connection fails over at once, and `idleTimeoutMs` (instead of 60 s)
 * for the answer and between chunks. TLS certificates are always checked: this is an executable.
 */
class DownloadWithDeadline extends MongoBinaryDownload {
  constructor(
    options: ConstructorParameters<typeof MongoBinaryDownload>[0],
    private readonly idleTimeoutMs: number,
  ) {
    super(options);
  }

  override httpDownload(
    url: URL,
    httpOptions: RequestOptions,
    downloadLocation: string,
    tempDownloadLocation: string,
  ): Promise<string> {
    const checked = { ...httpOptions, rejectUnauthorized: true };
    return super.httpDownload(url, checked, downloadLocation, tempDownloadLocation, 1, 0, this.idleTimeoutMs);
  }
}

export interface MongodDownload {
  readonly binDir: string;
  readonly idleTimeoutMs: number;
  readonly log: Log;
}

/** mongod downloaded by an earlier run (complete: the library checks its checksum file), if any. */
export async function downloadedMongod(binDir: string): Promise<string | undefined> {
  return DryMongoBinary.locateBinary({ version: MONGOD_VERSION, downloadDir: mongodbDir(binDir) });
}

/** Downloads mongod into `<binDir>/mongodb` and returns its path; DownloadFailedError says why not. */
export async function downloadMongod({ binDir, idleTimeoutMs, log }: MongodDownload): Promise<string> {
  let url = 'the MongoDB download site';
  try {
    const options = await DryMongoBinary.generateOptions({ version: MONGOD_VERSION, downloadDir: mongodbDir(binDir) });
    url = await new MongoBinaryDownloadUrl(options).getDownloadUrl();
    const attempt = beginAttempt(binDir, `mongod-${MONGOD_VERSION}-download`);
    log(`Downloading mongod ${MONGOD_VERSION} from ${url} into ${options.downloadDir}${attempt.note}...`);
    const binary = await new DownloadWithDeadline({ ...options, checkMD5: true }, idleTimeoutMs).getMongodPath();
    attempt.succeeded();
    DryMongoBinary.binaryCache.set(MONGOD_VERSION, binary);
    return binary;
  } catch (error) {
    throw new DownloadFailedError(url, describeDownloadError(error, idleTimeoutMs), { cause: error });
  }
}

function mongodbDir(binDir: string): string {
  return path.join(binDir, 'mongodb');
}

/** The library's DownloadError carries a code (ECONNREFUSED, ETIMEDOUT, "Status: 404"); anything else has a message. */
function describeDownloadError(error: unknown, idleTimeoutMs: number): string {
  const code = (error as { code?: unknown }).code;
  if (code === 'ETIMEDOUT') return `no answer for ${idleTimeoutMs / 1000} s`;
  if (typeof code === 'string' && code.startsWith('Status: ')) return `the server answered HTTP ${code.slice(8)}`;
  return describeNetworkFailure(error);
}
