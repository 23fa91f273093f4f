import type { Server } from 'node:http';
import type { ApolloServer } from '@apollo/server';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { DomainError, PersistedQueryNotInList, type Broker, type Identity, type Logger } from '@roombook/kernel';
import {
  GraphQLError,
  OperationTypeNode,
  getOperationAST,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type GraphQLSchema,
} from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { Counter, Gauge, type Registry } from 'prom-client';
import { WebSocketServer, type WebSocket } from 'ws';
import type { UserAuthenticator } from '../authentication';
import type { RouterContext } from '../gateway';
import { valueErrorsOf } from '../requestErrors';
import type { TrustedDocuments } from '../trustedDocuments/trustedDocuments';
import { refusalOf, type OperationLimits } from '../queryCost';
import { ENTITY_ID_VARIABLE, liveOperationOf, type LiveOperation } from './entityQuery';
import { LiveFeed } from './liveFeed';
import type { LiveEvent, LiveFieldName } from './liveFields';
import { LiveSubscription } from './liveSubscription';

export interface LiveLimits {
  readonly maxSubscriptionsPerConnection: number;
  /** Payloads waiting for one subscription before its client is dropped as too slow. */
  readonly maxQueuedPerSubscription: number;
  readonly keepAliveMs: number;
  readonly maxDepth: number;
  /** The same limits as for HTTP operations: a subscription's payload is queried again for every event. */
  readonly operation: OperationLimits;
}

/** WebSocket close codes: graphql-ws's own for authentication, 1008 (policy violation) for a client that cannot keep up. */
const CLOSE = { unauthorized: 4401, tooSlow: 1008, goingAway: 1001 } as const;
/** A client dropped as too slow gets this long to take the close frame before its socket is cut. */
const CLOSE_GRACE_MS = 1_000;

/** One client subscription, and who asked for it. */
interface Subscriber {
  readonly connection: Connection;
  readonly subscription: LiveSubscription;
}

interface Connection {
  readonly socket: WebSocket;
  readonly identity: Identity;
  /** When the client's token expires: from then on, nothing more is sent, and the connection is closed. */
  readonly expiresAt: number | null;
}

/**
 * Subscriptions over graphql-ws on the router's /graphql. A subscription is served as a query of
 * the entity each event changed (see entityQuery.ts), run through the gateway with the
 * subscriber's identity, signed for each subgraph fetch: payloads may span every subgraph, and a
 * subscription open for hours keeps working. Events come from NATS through a LiveFeed of this
 * router's own, so every replica serves every event.
 */
export class LiveSubscriptions {
  private readonly subscribers = new Map<LiveFieldName, Set<Subscriber>>();
  private readonly connections = new Map<WebSocket, Connection>();
  private readonly feed: LiveFeed;
  private disposeServer: (() => void | Promise<void>) | undefined;
  private readonly metrics: ReturnType<typeof liveMetrics>;

  constructor(
    private readonly options: {
      readonly httpServer: Server;
      readonly apollo: ApolloServer<RouterContext>;
      readonly schema: () => GraphQLSchema;
      readonly authenticator: UserAuthenticator;
      /** The same check as on HTTP, before the payload is parsed. */
      readonly trustedDocuments: TrustedDocuments;
      readonly broker: Broker;
      readonly log: Logger;
      readonly registry: Registry;
      readonly limits: LiveLimits;
      readonly production: boolean;
    },
  ) {
    this.feed = new LiveFeed(options.broker, (event) => this.deliver(event), options.log);
    this.metrics = liveMetrics(
      options.registry,
      () => this.connections.size,
      () => this.activeCount(),
    );
  }

  async start(): Promise<void> {
    await this.feed.start();
    const wss = new WebSocketServer({ server: this.options.httpServer, path: '/graphql' });
    const server = useServer(
      {
        isProd: this.options.production,
        onConnect: (ctx) => this.connect(ctx.extra.socket, ctx.connectionParams?.authorization),
        onClose: (ctx) => void this.connections.delete(ctx.extra.socket),
        onSubscribe: (ctx, _id, payload) => {
          let admitted: typeof payload;
          try {
            admitted = this.options.trustedDocuments.admit(payload);
          } catch (error) {
            if (error instanceof PersistedQueryNotInList) return [coded(error.code, error.message)];
            throw error;
          }
          return this.subscribe(ctx.extra.socket, admitted, Object.keys(ctx.subscriptions).length);
        },
        subscribe: (args) => (args.contextValue as { readonly live: LiveSubscription }).live,
      },
      wss,
      this.options.limits.keepAliveMs,
    );
    this.disposeServer = server.dispose;
  }

  /**
   * Closes every socket with 1001 "going away", then stops following NATS. Subscriptions are not
   * completed first: a graphql-ws client takes `complete` as the end of its subscription, but
   * retries a connection closed with 1001, subscribing again (through a load balancer, on a
   * router that is still ready).
   */
  async stop(): Promise<void> {
    await this.disposeServer?.();
    await this.feed.stop();
  }

  private activeCount(): number {
    let count = 0;
    for (const set of this.subscribers.values()) count += set.size;
    return count;
  }

  /** connection_init: the payload's `authorization`, verified like an HTTP request's; a bad token closes the connection. */
  private async connect(socket: WebSocket, authorization: unknown): Promise<boolean> {
    try {
      const { identity, expiresAt } = await this.options.authenticator.authenticate(
        typeof authorization === 'string' ? authorization : undefined,
      );
      this.connections.set(socket, { socket, identity, expiresAt });
      return true;
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      socket.close(CLOSE.unauthorized, `Unauthorized: ${error.message}`.slice(0, 120));
      return false;
    }
  }

  private subscribe(
    socket: WebSocket,
    payload: {
      readonly query: string;
      readonly operationName?: string | null;
      readonly variables?: Record<string, unknown> | null;
    },
    subscriptionsOnConnection: number,
  ): ExecutionArgs | GraphQLError[] {
    const connection = this.connections.get(socket);
    if (!connection) return [coded('UNAUTHENTICATED', 'The connection was not initialised')];
    const { maxSubscriptionsPerConnection } = this.options.limits;
    if (subscriptionsOnConnection > maxSubscriptionsPerConnection) {
      return [coded('BAD_USER_INPUT', `At most ${maxSubscriptionsPerConnection} subscriptions per connection`)];
    }
    const schema = this.options.schema();
    let document: DocumentNode;
    try {
      document = parse(payload.query);
    } catch (error) {
      return [
        error instanceof GraphQLError
          ? withCode(error, 'GRAPHQL_PARSE_FAILED')
          : coded('GRAPHQL_PARSE_FAILED', String(error)),
      ];
    }
    const errors = validate(
      schema,
      document,
      [...specifiedRules, maxDepthRule({ n: this.options.limits.maxDepth, exposeLimits: true })],
      // As over HTTP: no "Did you mean ...?" revealing the schema in production.
      { hideSuggestions: this.options.production },
    );
    if (errors.length > 0) {
      const isValueError = valueErrorsOf(schema, document);
      return errors.map((error) =>
        withCode(error, isValueError(error) ? 'BAD_USER_INPUT' : 'GRAPHQL_VALIDATION_FAILED'),
      );
    }
    if (getOperationAST(document, payload.operationName)?.operation !== OperationTypeNode.SUBSCRIPTION) {
      return [
        coded('BAD_USER_INPUT', 'Only subscriptions are served over WebSocket; send queries and mutations over HTTP'),
      ];
    }
    const tooMuch = refusalOf(
      schema,
      document,
      this.options.limits.operation,
      payload.variables ?? {},
      payload.operationName ?? undefined,
    );
    if (tooMuch) return [coded(tooMuch.code, tooMuch.message)];
    let operation: LiveOperation;
    try {
      operation = liveOperationOf(schema, document, payload.operationName, payload.variables ?? {});
    } catch (error) {
      return [
        error instanceof GraphQLError ? withCode(error, 'BAD_USER_INPUT') : coded('BAD_USER_INPUT', String(error)),
      ];
    }
    const refusal = operation.field.refusal(connection.identity);
    if (refusal) return [coded(refusal.code, refusal.message)];

    const subscriber: Subscriber = {
      connection,
      subscription: new LiveSubscription(operation, this.options.limits.maxQueuedPerSubscription, {
        overflow: () => this.dropTooSlow(connection),
        ended: () => this.subscribers.get(operation.field.name)?.delete(subscriber),
      }),
    };
    const set = this.subscribers.get(operation.field.name) ?? new Set();
    this.subscribers.set(operation.field.name, set.add(subscriber));
    return {
      schema,
      document,
      operationName: payload.operationName,
      variableValues: payload.variables,
      contextValue: { live: subscriber.subscription },
    };
  }

  /**
   * One event to every subscription it concerns: filtered by the arguments and the caller's
   * rights before anything is asked, then resolved once per distinct (selection, variables,
   * caller) and pushed to each. Never waits for a client to read.
   */
  private async deliver(event: LiveEvent): Promise<void> {
    const now = Date.now();
    const groups = new Map<string, Subscriber[]>();
    for (const subscriber of this.subscribers.get(event.field) ?? []) {
      const { operation } = subscriber.subscription;
      const { identity, expiresAt } = subscriber.connection;
      if (expiresAt !== null && expiresAt <= now) {
        this.metrics.clientsDropped.inc({ reason: 'token_expired' });
        this.close(subscriber.connection, CLOSE.unauthorized, 'Unauthorized: The token has expired');
        continue;
      }
      if (!operation.field.matches(event, operation.args) || !operation.field.maySee(identity, event)) continue;
      const key = `${identityKey(identity)}\n${operation.query}\n${JSON.stringify(operation.variables)}`;
      groups.set(key, [...(groups.get(key) ?? []), subscriber]);
    }
    await Promise.all(
      [...groups.values()].map(async (members) => {
        const result = await this.resolve(members[0], event);
        for (const { subscription } of members) {
          if (!result) {
            this.metrics.dropped.inc({ field: event.field, reason: 'not_visible' });
            continue;
          }
          subscription.push(result);
          this.metrics.pushed.inc({ field: event.field });
        }
      }),
    );
  }

  /** The payload after this event: the client's selection, read through the gateway as the subscriber. */
  private async resolve(subscriber: Subscriber, event: LiveEvent): Promise<ExecutionResult | null> {
    const { operation } = subscriber.subscription;
    const { identity } = subscriber.connection;
    const response = await this.options.apollo.executeOperation(
      { query: operation.query, variables: { ...operation.variables, [ENTITY_ID_VARIABLE]: event.entityId } },
      { contextValue: { identity } },
    );
    if (response.body.kind !== 'single') return null;
    const { data, errors } = response.body.singleResult;
    const payload = data?.[operation.responseKey];
    // Gone, or no longer visible to this caller (the subgraph said so): nothing to send.
    if (payload === null || payload === undefined) {
      this.options.log.debug({ eventId: event.eventId, field: event.field, errors }, 'live event not resolved');
      return null;
    }
    return {
      data: { [operation.responseKey]: payload },
      ...(errors
        ? { errors: errors.map((error) => new GraphQLError(error.message, { extensions: error.extensions })) }
        : {}),
    };
  }

  private dropTooSlow(connection: Connection): void {
    const limit = this.options.limits.maxQueuedPerSubscription;
    this.metrics.clientsDropped.inc({ reason: 'too_slow' });
    this.close(connection, CLOSE.tooSlow, `Too slow: more than ${limit} events were waiting for this client`);
  }

  private close(connection: Connection, code: number, reason: string): void {
    for (const set of this.subscribers.values()) {
      for (const subscriber of set) if (subscriber.connection === connection) void subscriber.subscription.return();
    }
    connection.socket.close(code, reason);
    // A client that reads nothing may not take the close frame either.
    setTimeout(() => connection.socket.terminate(), CLOSE_GRACE_MS).unref();
  }
}

function identityKey(identity: Identity): string {
  return identity.kind === 'user' ? `user:${identity.userId}:${[...identity.roles].sort().join(',')}` : identity.kind;
}

function coded(code: string, message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code } });
}

function withCode(error: GraphQLError, code: string): GraphQLError {
  return new GraphQLError(error.message, { nodes: error.nodes, extensions: { code, ...error.extensions } });
}

function liveMetrics(registry: Registry, connections: () => number, subscriptions: () => number) {
  new Gauge({
    name: 'live_connections',
    help: 'Open graphql-ws connections',
    registers: [registry],
    collect() {
      this.set(connections());
    },
  });
  new Gauge({
    name: 'live_subscriptions',
    help: 'Active subscriptions',
    registers: [registry],
    collect() {
      this.set(subscriptions());
    },
  });
  return {
    pushed: new Counter({
      name: 'live_events_pushed_total',
      help: 'Payloads handed to subscriptions, by subscription field',
      labelNames: ['field'],
      registers: [registry],
    }),
    dropped: new Counter({
      name: 'live_events_dropped_total',
      help: 'Events not sent to a subscription that matched them, by reason',
      labelNames: ['field', 'reason'],
      registers: [registry],
    }),
    clientsDropped: new Counter({
      name: 'live_clients_dropped_total',
      help: 'Connections the router closed, by reason',
      labelNames: ['reason'],
      registers: [registry],
    }),
  };
}
