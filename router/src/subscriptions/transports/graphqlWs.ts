import type { Server } from 'node:http';
import { DomainError, PersistedQueryNotInList } from '@roombook/kernel';
import { parse, type ExecutionResult } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { Gauge } from 'prom-client';
import { WebSocketServer, type WebSocket } from 'ws';
import type { UserAuthenticator } from '../../authentication';
import type { TrustedDocuments } from '../../trustedDocuments/trustedDocuments';
import { coded, type LiveCaller, type LiveSubscriptions } from '../liveServer';

export interface GraphqlWsOptions {
  readonly httpServer: Server;
  readonly authenticator: UserAuthenticator;
  /** The same check as on HTTP, before the payload is parsed. */
  readonly trustedDocuments: TrustedDocuments;
  readonly maxSubscriptionsPerConnection: number;
  readonly keepAliveMs: number;
  readonly production: boolean;
}

/** WebSocket close codes: graphql-ws's own for authentication, 1008 (policy violation) for a client that cannot keep up. */
const CLOSE = { unauthorized: 4401, tooSlow: 1008 } as const;
/** A client dropped as too slow gets this long to take the close frame before its socket is cut. */
const CLOSE_GRACE_MS = 1_000;
/** What graphql-ws is told it subscribes to: it only reads the operation's type, then calls `subscribe`. */
const SUBSCRIPTION = parse('subscription { __typename }');

/**
 * Subscriptions over graphql-ws on the router's /graphql: `connection_init`'s `authorization`
 * verified like an HTTP request's, each `subscribe` opened on the live layer (its
 * `extensions.resumeFrom` resumes from a cursor). When the router drains, every socket is closed
 * with 1001 "going away", which graphql-ws clients retry (through a load balancer, on a router
 * that is still ready), resuming from their cursor.
 */
export function serveGraphqlWs(live: LiveSubscriptions, options: GraphqlWsOptions): void {
  const connections = new Map<WebSocket, LiveCaller>();
  new Gauge({
    name: 'live_connections',
    help: 'Open graphql-ws connections',
    registers: [live.registry],
    collect() {
      this.set(connections.size);
    },
  });

  const close = (socket: WebSocket, code: number, reason: string) => {
    socket.close(code, reason);
    // A client that reads nothing may not take the close frame either.
    setTimeout(() => socket.terminate(), CLOSE_GRACE_MS).unref();
  };

  const wss = new WebSocketServer({ server: options.httpServer, path: '/graphql' });
  const server = useServer(
    {
      isProd: options.production,
      onConnect: async (ctx) => {
        const { socket } = ctx.extra;
        const authorization = ctx.connectionParams?.authorization;
        try {
          const caller = await options.authenticator.authenticate(
            typeof authorization === 'string' ? authorization : undefined,
          );
          connections.set(socket, caller);
          return true;
        } catch (error) {
          if (!(error instanceof DomainError)) throw error;
          socket.close(CLOSE.unauthorized, `Unauthorized: ${error.message}`.slice(0, 120));
          return false;
        }
      },
      onClose: (ctx) => void connections.delete(ctx.extra.socket),
      onSubscribe: async (ctx, _id, sent) => {
        const { socket } = ctx.extra;
        let payload: typeof sent;
        try {
          payload = options.trustedDocuments.admit(sent);
        } catch (error) {
          if (error instanceof PersistedQueryNotInList) return [coded(error.code, error.message)];
          throw error;
        }
        const caller = connections.get(socket);
        if (!caller) return [coded('UNAUTHENTICATED', 'The connection was not initialised')];
        if (Object.keys(ctx.subscriptions).length > options.maxSubscriptionsPerConnection) {
          return [
            coded('BAD_USER_INPUT', `At most ${options.maxSubscriptionsPerConnection} subscriptions per connection`),
          ];
        }
        const resumeFrom = payload.extensions?.resumeFrom;
        const opened = await live.open(
          caller,
          {
            query: payload.query,
            operationName: payload.operationName,
            variables: payload.variables,
            resumeFrom: typeof resumeFrom === 'string' ? resumeFrom : null,
          },
          () => close(socket, CLOSE.tooSlow, 'Too slow: too many events were waiting for this client'),
        );
        if (!(Symbol.asyncIterator in opened)) return [...opened];
        return {
          // Never executed: `subscribe` below hands graphql-ws the live layer's stream.
          schema: live.schema(),
          document: SUBSCRIPTION,
          contextValue: { live: untilExpired(opened, caller, socket, close) },
        };
      },
      subscribe: (args) => (args.contextValue as { readonly live: AsyncIterableIterator<ExecutionResult> }).live,
    },
    wss,
    options.keepAliveMs,
  );
  live.onDrain(() => server.dispose());
}

/**
 * graphql-ws's way to say a token expired is to close the connection with 4401, so that the
 * client reconnects with a new one (the live layer would end the subscription with an error).
 */
function untilExpired(
  results: AsyncIterableIterator<ExecutionResult>,
  caller: LiveCaller,
  socket: WebSocket,
  close: (socket: WebSocket, code: number, reason: string) => void,
): AsyncIterableIterator<ExecutionResult> {
  return {
    async next() {
      const result = await results.next();
      if (!result.done && caller.expiresAt !== null && caller.expiresAt <= Date.now()) {
        close(socket, CLOSE.unauthorized, 'Unauthorized: The token has expired');
        void results.return?.();
        return { value: undefined, done: true };
      }
      return result;
    },
    return: () => results.return?.() ?? Promise.resolve({ value: undefined, done: true }),
    throw: () => results.return?.() ?? Promise.resolve({ value: undefined, done: true }),
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
