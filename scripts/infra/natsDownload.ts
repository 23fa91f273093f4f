import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import * as tar from 'tar';
import { downloadFile, downloadText } from './download';
import { DownloadFailedError } from './errors';
import type { Log } from './log';
import { beginAttempt } from './attempts';

export const NATS_SERVER_VERSION = 'v2.10.29';

/** Node's names for platforms and CPUs, as nats-server's release archives spell them. */
const RELEASE_PLATFORMS: Partial<Record<NodeJS.Platform, string>> = {
  linux: 'linux',
  darwin: 'darwin',
  freebsd: 'freebsd',
};
const RELEASE_ARCHITECTURES: Partial<Record<string, string>> = { x64: 'amd64', arm64: 'arm64' };

/** Where a downloaded (or Go-installed) nats-server of our version is kept. The version in the name: a new pin fetches anew. */
export function localNatsServer(binDir: string): string {
  return path.join(binDir, `nats-server-${NATS_SERVER_VERSION}`);
}

export interface NatsServerDownload {
  readonly binDir: string;
  /** Base URL holding `<version>/<archive>` and `<version>/SHA256SUMS`, as GitHub releases do. */
  readonly mirror: string;
  readonly idleTimeoutMs: number;
  readonly log: Log;
}

/**
 * Downloads the release archive for this machine, checks it against the release's SHA256SUMS,
 * and puts nats-server at localNatsServer(binDir). DownloadFailedError says why not.
 */
export async function downloadNatsServer({ binDir, mirror, idleTimeoutMs, log }: NatsServerDownload): Promise<string> {
  const archiveName = releaseArchiveName(mirror);
  const release = `${mirror.replace(/\/+$/, '')}/${NATS_SERVER_VERSION}`;
  const archiveUrl = `${release}/${archiveName}`;
  const attempt = beginAttempt(binDir, `nats-server-${NATS_SERVER_VERSION}-download`);
  log(`Downloading nats-server ${NATS_SERVER_VERSION} from ${archiveUrl} into ${binDir}${attempt.note}...`);

  await fs.mkdir(binDir, { recursive: true });
  // Beside the final place, so that the last step is a rename: an interrupted download leaves no broken binary.
  const workDir = await fs.mkdtemp(path.join(binDir, '.nats-server-download-'));
  try {
    const archive = path.join(workDir, archiveName);
    await downloadFile(archiveUrl, archive, idleTimeoutMs);
    const checksums = await downloadText(`${release}/SHA256SUMS`, idleTimeoutMs);
    await verifyChecksum(archive, archiveName, checksums, archiveUrl);

    // The archive holds nats-server-<version>-<os>-<arch>/nats-server beside README and LICENSE.
    await tar.x({ file: archive, cwd: workDir, strip: 1, filter: (entry) => path.basename(entry) === 'nats-server' });
    const extracted = path.join(workDir, 'nats-server');
    await fs.access(extracted).catch(() => {
      throw new DownloadFailedError(archiveUrl, 'the archive holds no nats-server');
    });
    await fs.chmod(extracted, 0o755);
    const binary = localNatsServer(binDir);
    await fs.rename(extracted, binary);
    attempt.succeeded();
    return binary;
  } finally {
    await fs.rm(workDir, { recursive: true, force: true });
  }
}

function releaseArchiveName(mirror: string): string {
  const platform = RELEASE_PLATFORMS[process.platform];
  const architecture = RELEASE_ARCHITECTURES[process.arch];
  if (platform === undefined || architecture === undefined) {
    throw new DownloadFailedError(mirror, `no release archive is known for ${process.platform}/${process.arch}`);
  }
  return `nats-server-${NATS_SERVER_VERSION}-${platform}-${architecture}.tar.gz`;
}

/** SHA256SUMS lines read `<hex digest>  <file name>`. */
async function verifyChecksum(archive: string, archiveName: string, checksums: string, url: string): Promise<void> {
  const expected = checksums
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .find(([, name]) => name?.replace(/^\*/, '') === archiveName)?.[0];
  if (expected === undefined) throw new DownloadFailedError(url, `SHA256SUMS does not list ${archiveName}`);
  const actual = createHash('sha256')
    .update(await fs.readFile(archive))
    .digest('hex');
  if (actual !== expected.toLowerCase()) {
    throw new DownloadFailedError(url, `checksum mismatch (SHA256SUMS says ${expected}, the download is ${actual})`);
  }
}
