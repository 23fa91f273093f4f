import type { ApolloServer } from '@apollo/server';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import type { Broker, Identity, Logger } from '@roombook/kernel';
import {
  GraphQLError,
  OperationTypeNode,
  getOperationAST,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type ExecutionResult,
  type GraphQLSchema,
} from 'graphql';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { RouterContext } from '../gateway';
import { valueErrorsOf } from '../requestErrors';
import { refusalOf, type OperationLimits } from '../queryCost';
import { ENTITY_ID_VARIABLE, liveOperationOf, type LiveOperation } from './entityQuery';
import { LiveFeed } from './liveFeed';
import type { LiveEvent, LiveFieldName } from './liveFields';
import { LiveSubscription } from './liveSubscription';

/** A subscription as any transport receives it (graphql-ws `subscribe`, SSE or multipart request body). */
export interface LiveRequest {
  readonly query: string;
  readonly operationName?: string | null;
  readonly variables?: Record<string, unknown> | null;
  /** The last cursor the client received: what changed since is delivered first. */
  readonly resumeFrom?: string | null;
}

/** Who subscribes, as the transport authenticated them. */
export interface LiveCaller {
  readonly identity: Identity;
  /** When the caller's token expires: from then on nothing more is sent, and the subscription ends. */
  readonly expiresAt: number | null;
}

export interface LiveLimits {
  /** Payloads waiting for one subscription before its client is dropped as too slow. */
  readonly maxQueuedPerSubscription: number;
  readonly maxDepth: number;
  /** The same limits as for HTTP operations: a subscription's payload is queried again for every event. */
  readonly operation: OperationLimits;
}

/** One client subscription, and who asked for it. */
interface Subscriber {
  readonly caller: LiveCaller;
  readonly subscription: LiveSubscription;
}

/**
 * The live layer, whatever the transport: `open` turns a subscription request into a stream of
 * payloads, `onDrain` lets a transport end its streams (so that clients resume elsewhere) when
 * this router stops. A subscription is served as a query of the entity each event changed (see
 * entityQuery.ts), run through the gateway with the subscriber's identity: payloads may span
 * every subgraph, and a subscription open for hours keeps working. Events come from NATS through
 * a LiveFeed of this router's own, so every replica serves every event.
 */
export class LiveSubscriptions {
  private readonly subscribers = new Map<LiveFieldName, Set<Subscriber>>();
  private readonly drainListeners: (() => void | Promise<void>)[] = [];
  private readonly feed: LiveFeed;
  private readonly metrics: ReturnType<typeof liveMetrics>;

  constructor(
    private readonly options: {
      readonly apollo: ApolloServer<RouterContext>;
      readonly schema: () => GraphQLSchema;
      readonly broker: Broker;
      readonly log: Logger;
      readonly registry: Registry;
      readonly limits: LiveLimits;
      readonly production: boolean;
    },
  ) {
    this.feed = new LiveFeed(options.broker, (event) => this.deliver(event), options.log);
    this.metrics = liveMetrics(options.registry, () => this.activeCount());
  }

  get registry(): Registry {
    return this.options.registry;
  }

  schema(): GraphQLSchema {
    return this.options.schema();
  }

  async start(): Promise<void> {
    await this.feed.start();
  }

  /** A transport's way to end its streams when this router drains: clients reconnect and resume elsewhere. */
  onDrain(listener: () => void | Promise<void>): void {
    this.drainListeners.push(listener);
  }

  /**
   * Tells every transport to end its streams (graphql-ws: close with 1001 "going away", not
   * `complete`, which a client takes as the end of its subscription), then stops following NATS.
   */
  async stop(): Promise<void> {
    await Promise.all(this.drainListeners.map(async (listener) => listener()));
    for (const set of this.subscribers.values()) for (const { subscription } of set) void subscription.return();
    await this.feed.stop();
  }

  /**
   * A subscription: validated and checked like an HTTP operation, then its payloads, or the
   * errors that refused it (before any event). `onTooSlow` is called when more than
   * `maxQueuedPerSubscription` payloads wait for a client that does not read.
   */
  open(
    caller: LiveCaller,
    request: LiveRequest,
    onTooSlow: () => void,
  ): Promise<AsyncIterableIterator<ExecutionResult> | readonly GraphQLError[]> {
    const operation = this.prepare(caller, request);
    if (Array.isArray(operation)) return Promise.resolve(operation);
    const subscriber: Subscriber = {
      caller,
      subscription: new LiveSubscription(operation, this.options.limits.maxQueuedPerSubscription, {
        overflow: () => {
          this.metrics.clientsDropped.inc({ reason: 'too_slow' });
          void subscriber.subscription.return();
          onTooSlow();
        },
        ended: () => this.subscribers.get(operation.field.name)?.delete(subscriber),
      }),
    };
    const set = this.subscribers.get(operation.field.name) ?? new Set();
    this.subscribers.set(operation.field.name, set.add(subscriber));
    return Promise.resolve(subscriber.subscription);
  }

  private prepare(caller: LiveCaller, request: LiveRequest): LiveOperation | GraphQLError[] {
    const schema = this.options.schema();
    let document: DocumentNode;
    try {
      document = parse(request.query);
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
    if (getOperationAST(document, request.operationName)?.operation !== OperationTypeNode.SUBSCRIPTION) {
      return [coded('BAD_USER_INPUT', 'Only subscriptions are served live; send queries and mutations over HTTP')];
    }
    const tooMuch = refusalOf(
      schema,
      document,
      this.options.limits.operation,
      request.variables ?? {},
      request.operationName ?? undefined,
    );
    if (tooMuch) return [coded(tooMuch.code, tooMuch.message)];
    let operation: LiveOperation;
    try {
      operation = liveOperationOf(schema, document, request.operationName, request.variables ?? {});
    } catch (error) {
      return [
        error instanceof GraphQLError ? withCode(error, 'BAD_USER_INPUT') : coded('BAD_USER_INPUT', String(error)),
      ];
    }
    const refusal = operation.field.refusal(caller.identity);
    if (refusal) return [coded(refusal.code, refusal.message)];
    return operation;
  }

  private activeCount(): number {
    let count = 0;
    for (const set of this.subscribers.values()) count += set.size;
    return count;
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
      const { identity, expiresAt } = subscriber.caller;
      if (expiresAt !== null && expiresAt <= now) {
        this.metrics.clientsDropped.inc({ reason: 'token_expired' });
        subscriber.subscription.end(coded('UNAUTHENTICATED', 'The token has expired: subscribe again with a new one'));
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
    const { identity } = subscriber.caller;
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
}

function identityKey(identity: Identity): string {
  return identity.kind === 'user' ? `user:${identity.userId}:${[...identity.roles].sort().join(',')}` : identity.kind;
}

export function coded(code: string, message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code } });
}

function withCode(error: GraphQLError, code: string): GraphQLError {
  return new GraphQLError(error.message, { nodes: error.nodes, extensions: { code, ...error.extensions } });
}

function liveMetrics(registry: Registry, subscriptions: () => number) {
  new Gauge({
    name: 'live_subscriptions',
    help: 'Active subscriptions, on every transport',
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
      help: 'Subscriptions the router ended, by reason',
      labelNames: ['reason'],
      registers: [registry],
    }),
  };
}
