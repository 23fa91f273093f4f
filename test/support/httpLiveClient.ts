/**
 * Subscriptions over plain HTTP, read at the level of the wire: SSE events with their `id:`, or
 * multipart parts, as they arrive, and a body that can stop being read (a slow client). Tests of
 * what a user sees use the real clients (graphql-sse, Apollo Client) instead.
 */
export type HttpTransport = 'sse' | 'multipart';

export const ACCEPT: Record<HttpTransport, string> = {
  sse: 'text/event-stream',
  // What Apollo Client's HttpLink sends for a subscription.
  multipart:
    'multipart/mixed;boundary=graphql;subscriptionSpec=1.0,application/graphql-response+json,application/json;q=0.9',
};

export interface WireMessage {
  /** SSE: the event's `id:`. */
  readonly id?: string;
  /** SSE: `next` or `complete`; multipart: `part`. */
  readonly event: string;
  readonly data: any;
}

export interface HttpLiveStream {
  readonly status: number;
  readonly contentType: string;
  /** The JSON answer, when the request was refused (no stream). */
  readonly refusal?: { readonly errors: readonly { message: string; extensions?: { code?: string } }[] };
  readonly messages: WireMessage[];
  /** SSE comments and empty multipart parts received. */
  heartbeats(): number;
  /**
   * Whether the body ended with the protocol's end of a subscription (`complete`, or the closing
   * delimiter after a result); not when it was cut, or ended after a multipart transport error.
   */
  readonly ended: Promise<{ readonly completed: boolean }>;
  /** Stop reading the body (the socket's buffers fill), and read again. */
  pause(): void;
  resume(): void;
  close(): void;
}

export async function openHttpLive(
  routerUrl: string,
  transport: HttpTransport,
  request: {
    readonly query: string;
    readonly variables?: Record<string, unknown>;
    readonly token?: string;
    readonly extensions?: Record<string, unknown>;
    readonly headers?: Record<string, string>;
    /** Sees each message as it arrives (to time it). */
    readonly onMessage?: (message: WireMessage) => void;
  },
): Promise<HttpLiveStream> {
  const abort = new AbortController();
  const response = await fetch(routerUrl, {
    method: 'POST',
    signal: abort.signal,
    headers: {
      'content-type': 'application/json',
      accept: ACCEPT[transport],
      ...(request.token ? { authorization: `Bearer ${request.token}` } : {}),
      ...request.headers,
    },
    body: JSON.stringify({ query: request.query, variables: request.variables ?? {}, extensions: request.extensions }),
  });
  const contentType = response.headers.get('content-type') ?? '';
  const streaming = response.ok && /^(text\/event-stream|multipart\/mixed)/.test(contentType);
  const messages: WireMessage[] = [];
  let heartbeats = 0;
  let paused: { promise: Promise<void>; resolve: () => void } | undefined;
  if (!streaming) {
    return {
      status: response.status,
      contentType,
      refusal: (await response.json()) as HttpLiveStream['refusal'],
      messages,
      heartbeats: () => 0,
      ended: Promise.resolve({ completed: false }),
      pause: () => undefined,
      resume: () => undefined,
      close: () => undefined,
    };
  }
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  const ended = (async () => {
    let buffer = '';
    let completed = false;
    try {
      for (;;) {
        if (paused) await paused.promise;
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        if (transport === 'sse') {
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const fields = new Map<string, string>();
            for (const line of block.split('\n')) {
              if (line.startsWith(':')) continue;
              const colon = line.indexOf(':');
              fields.set(line.slice(0, colon), line.slice(colon + 1).replace(/^ /, ''));
            }
            if (!fields.has('event')) {
              heartbeats += 1;
              continue;
            }
            const data = fields.get('data');
            const message = { id: fields.get('id'), event: fields.get('event')!, data: data ? JSON.parse(data) : null };
            messages.push(message);
            request.onMessage?.(message);
            if (fields.get('event') === 'complete') completed = true;
          }
        } else {
          // Parts: "\r\n--graphql" opens each, "\r\n--graphql--" closes the body.
          const parts = buffer.split('\r\n--graphql');
          buffer = parts.pop()!;
          for (const part of parts) {
            const body = part.slice(part.indexOf('\r\n\r\n') + 4);
            if (part === '' || !part.includes('\r\n\r\n')) continue;
            const data = JSON.parse(body) as Record<string, unknown>;
            if (Object.keys(data).length === 0) heartbeats += 1;
            else {
              messages.push({ event: 'part', data });
              request.onMessage?.({ event: 'part', data });
            }
          }
          // The closing delimiter after a transport error (`"payload": null`) is no completion.
          if (buffer.startsWith('--')) completed = messages.at(-1)?.data.payload !== null;
        }
      }
    } catch {
      // The connection was cut: not completed.
    }
    return { completed };
  })();
  return {
    status: response.status,
    contentType,
    messages,
    heartbeats: () => heartbeats,
    ended,
    pause() {
      let resolve: () => void = () => undefined;
      const promise = new Promise<void>((done) => (resolve = done));
      paused = { promise, resolve };
    },
    resume() {
      paused?.resolve();
      paused = undefined;
    },
    close: () => abort.abort(),
  };
}
