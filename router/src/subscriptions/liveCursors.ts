import { createHmac, timingSafeEqual } from 'node:crypto';

/** The position a cursor names: an event of a stream, and when it was stored (ms). */
export interface CursorPosition {
  readonly stream: string;
  readonly sequence: number;
  readonly time: number;
}

const VERSION = 'v1';

/**
 * Cursors: opaque to clients, `<base64url of "v1:stream:sequence:time">.<HMAC-SHA256, base64url>`.
 * Signed with a key every router replica shares (LIVE_CURSOR_SECRET, by default derived from
 * SUBGRAPH_SECRET), so any replica, also after a restart, can tell one this system issued from
 * one made up, and nothing about a cursor needs to be remembered.
 */
export class LiveCursors {
  private readonly key: Buffer;

  constructor(secret: string) {
    this.key = Buffer.from(secret, 'utf8');
  }

  /** The key of LIVE_CURSOR_SECRET's default: a key of its own, derived, so that SUBGRAPH_SECRET itself signs nothing else. */
  static derivedKey(subgraphSecret: string): string {
    return createHmac('sha256', subgraphSecret).update('roombook live cursors').digest('base64url');
  }

  issue(position: CursorPosition): string {
    const body = Buffer.from(`${VERSION}:${position.stream}:${position.sequence}:${position.time}`).toString(
      'base64url',
    );
    return `${body}.${this.mac(body).toString('base64url')}`;
  }

  /** The position, or null for anything this system did not issue (malformed, or signed with another key). */
  read(cursor: string): CursorPosition | null {
    const [body, mac, ...rest] = cursor.split('.');
    if (!body || !mac || rest.length > 0) return null;
    const given = Buffer.from(mac, 'base64url');
    const expected = this.mac(body);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
    const [version, stream, sequence, time] = Buffer.from(body, 'base64url').toString('utf8').split(':');
    if (version !== VERSION || !stream || !/^\d+$/.test(sequence ?? '') || !/^\d+$/.test(time ?? '')) return null;
    return { stream, sequence: Number(sequence), time: Number(time) };
  }

  private mac(body: string): Buffer {
    return createHmac('sha256', this.key).update(body).digest();
  }
}
