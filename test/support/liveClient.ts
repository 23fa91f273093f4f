import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

export interface LiveResult<Data = Record<string, any>> {
  readonly data?: Data | null;
  readonly errors?: readonly { message: string; extensions?: { code?: string } }[];
  /** The router's cursor of this payload (runtime.md: live updates that survive disconnection). */
  readonly extensions?: { readonly cursor?: string };
}

/** One subscription's results as they arrive, and how it ended. */
export interface LiveTap<Data = Record<string, any>> {
  readonly results: LiveResult<Data>[];
  /** Resolves when the server completes the subscription or it errors; never rejects. */
  readonly ended: Promise<{ readonly completed: boolean; readonly error?: unknown }>;
  stop(): void;
}

export interface LiveConnection {
  readonly client: Client;
  /** The close event of the socket, once it closes. */
  readonly closed: Promise<{ readonly code: number; readonly reason: string }>;
  /** Pings received from the server (graphql-ws keep-alive). */
  readonly pings: () => number;
  readonly socket: () => WebSocket | undefined;
  /** `onResult` sees each result as it arrives (to time it); `extensions` go in the subscribe payload (`resumeFrom`). */
  subscribe<Data = Record<string, any>>(
    query: string,
    variables?: Record<string, unknown>,
    onResult?: (result: LiveResult<Data>) => void,
    extensions?: Record<string, unknown>,
  ): LiveTap<Data>;
  dispose(): Promise<void>;
}

/**
 * A graphql-ws client of the router, as any client would connect: `authorization` in the
 * connection_init payload. It does not retry: a refused connection stays refused.
 */
export function connectLive(routerUrl: string, token?: string): LiveConnection {
  let socket: WebSocket | undefined;
  let pings = 0;
  let onClose: (event: { code: number; reason: string }) => void = () => undefined;
  const closed = new Promise<{ code: number; reason: string }>((resolve) => (onClose = resolve));
  const client = createClient({
    url: routerUrl.replace(/^http/, 'ws'),
    connectionParams: token ? { authorization: `Bearer ${token}` } : {},
    retryAttempts: 0,
    lazy: false,
    webSocketImpl: class extends WebSocket {
      constructor(address: string, protocols?: string | string[]) {
        super(address, protocols);
        this.on('ping', () => (pings += 1));
        this.on('close', (code, reason) => onClose({ code, reason: reason.toString() }));
      }
    },
    on: { opened: (opened) => (socket = opened as WebSocket) },
    // Errors surface through `closed` and each subscription's `ended`.
    onNonLazyError: () => undefined,
  });
  return {
    client,
    closed,
    pings: () => pings,
    socket: () => socket,
    subscribe<Data>(
      query: string,
      variables: Record<string, unknown> = {},
      onResult?: (result: LiveResult<Data>) => void,
      extensions?: Record<string, unknown>,
    ): LiveTap<Data> {
      const results: LiveResult<Data>[] = [];
      let stop: () => void = () => undefined;
      const ended = new Promise<{ completed: boolean; error?: unknown }>((resolve) => {
        stop = client.subscribe<Data, LiveResult['extensions']>(
          { query, variables, ...(extensions ? { extensions } : {}) },
          {
            next: (result) => {
              results.push(result);
              onResult?.(result);
            },
            error: (error) => resolve({ completed: false, error }),
            complete: () => resolve({ completed: true }),
          },
        );
      });
      return { results, ended, stop: () => stop() };
    },
    dispose: () => client.dispose() as Promise<void>,
  };
}
