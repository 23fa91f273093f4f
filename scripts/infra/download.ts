import fs from 'node:fs';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DownloadFailedError } from './errors';

/**
 * GETs `url` into `destination`. Gives up when nothing arrives for `idleTimeoutMs`, before the
 * answer (a host that never answers) or during the body (a stalled transfer), and at once when the
 * network says no (refused, unknown host): a machine without internet must not wait on it.
 */
export async function downloadFile(url: string, destination: string, idleTimeoutMs: number): Promise<void> {
  await fetchWithDeadline(url, idleTimeoutMs, async (body, keepAlive) => {
    const counting = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        keepAlive();
        done(null, chunk);
      },
    });
    await pipeline(Readable.fromWeb(body), counting, fs.createWriteStream(destination));
  });
}

/** GETs a small text file (a checksum list) with the same deadline. */
export async function downloadText(url: string, idleTimeoutMs: number): Promise<string> {
  let text = '';
  await fetchWithDeadline(url, idleTimeoutMs, async (body, keepAlive) => {
    const decoder = new TextDecoder();
    for await (const chunk of body) {
      keepAlive();
      text += decoder.decode(chunk, { stream: true });
    }
  });
  return text;
}

type BodyReader = (
  body: ReadableStream<Uint8Array> & AsyncIterable<Uint8Array>,
  keepAlive: () => void,
) => Promise<void>;

async function fetchWithDeadline(url: string, idleTimeoutMs: number, read: BodyReader): Promise<void> {
  const controller = new AbortController();
  let waitingFor: 'an answer' | 'more data' = 'an answer';
  let deadline: NodeJS.Timeout | undefined;
  const keepAlive = () => {
    clearTimeout(deadline);
    deadline = setTimeout(() => controller.abort(), idleTimeoutMs);
  };
  keepAlive();
  try {
    const response = await fetch(url, { signal: controller.signal });
    if (!response.ok || response.body === null) {
      await response.body?.cancel();
      throw new DownloadFailedError(url, `the server answered HTTP ${response.status}`);
    }
    waitingFor = 'more data';
    keepAlive();
    await read(response.body as ReadableStream<Uint8Array> & AsyncIterable<Uint8Array>, keepAlive);
  } catch (error) {
    if (error instanceof DownloadFailedError) throw error;
    const reason = controller.signal.aborted
      ? `no ${waitingFor === 'an answer' ? 'answer' : 'data'} for ${idleTimeoutMs / 1000} s`
      : describeNetworkFailure(error);
    throw new DownloadFailedError(url, reason, { cause: error });
  } finally {
    clearTimeout(deadline);
  }
}

/** What went wrong in the words of someone checking their network ("connection refused", not "fetch failed"). */
export function describeNetworkFailure(error: unknown): string {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  const code = (cause as { code?: unknown } | undefined)?.code;
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'host name not found (offline?)';
    case 'ENETUNREACH':
    case 'EHOSTUNREACH':
      return 'network unreachable';
    case 'ECONNRESET':
    case 'aborted':
      return 'connection lost';
    default:
      return cause instanceof Error ? cause.message : String(cause);
  }
}
