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
import type { AccessRules } from '../authorization/accessRules';
import { valueErrorsOf } from '../requestErrors';
import { refusalOf, type OperationLimits } from '../queryCost';
import { ENTITY_ID_VARIABLE, liveOperationOf, type LiveOperation } from './entityQuery';
import { type LiveCursors } from './liveCursors';
import { LiveFeed, type StreamExtent } from './liveFeed';
import type { LiveEvent, LiveField, LiveFields } from './liveFields';
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
  /** How far back (seconds) a cursor may resume; beyond, CURSOR_EXPIRED (so does a stream that no longer keeps it). */
  readonly resumeWindowS: number;
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
  /**
   * Who else may share this subscriber's resolution of an event: everyone with the same selection
   * and variables when it reads nothing caller-dependent (the schema's access directives say), else
   * only the same caller.
   */
  readonly shareKey: string;
  /**
   * While what the client missed is replayed: the live events that concern it wait here (those the
   * replay covers are then dropped), and are sent once the replay is done. Null when live.
   */
  catchingUp: LiveEvent[] | null;
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
  private readonly subscribers = new Map<string, Set<Subscriber>>();
  private readonly extents = new Map<string, Promise<StreamExtent>>();
  private readonly replays = new Map<string, Promise<LiveEvent[]>>();
  private readonly resolving = new Map<string, Promise<ExecutionResult | null>>();
  private readonly drainListeners: (() => void | Promise<void>)[] = [];
  private readonly feed: LiveFeed;
  private readonly metrics: ReturnType<typeof liveMetrics>;

  constructor(
    private readonly options: {
      /** Runs a payload query through the router's pipeline, as the subscriber. */
      readonly execute: (
        request: { query: string; variables?: Record<string, unknown> | null; operationName?: string | null },
        caller: { identity: Identity },
      ) => Promise<ExecutionResult>;
      readonly schema: () => GraphQLSchema;
      /** The schema's access rules: which selections read something that depends on the caller. */
      readonly accessRules: AccessRules;
      /** The Subscription fields the supergraph declares with `@live`. */
      readonly fields: LiveFields;
      readonly broker: Broker;
      readonly cursors: LiveCursors;
      readonly log: Logger;
      readonly registry: Registry;
      readonly limits: LiveLimits;
      readonly production: boolean;
    },
  ) {
    this.feed = new LiveFeed(
      options.fields,
      options.broker,
      { follows: (field) => (this.subscribers.get(field)?.size ?? 0) > 0, deliver: (event) => this.deliver(event) },
      options.log,
    );
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
  async open(
    caller: LiveCaller,
    request: LiveRequest,
    onTooSlow: () => void,
  ): Promise<AsyncIterableIterator<ExecutionResult> | readonly GraphQLError[]> {
    const operation = this.prepare(caller, request);
    if (Array.isArray(operation)) return operation;
    const field = operation.field.name;
    const resumeFrom = request.resumeFrom ? this.options.cursors.read(request.resumeFrom) : null;
    if (request.resumeFrom) {
      if (!resumeFrom || resumeFrom.stream !== operation.field.stream) {
        return [cursorExpired(`The cursor in resumeFrom was not issued by this system for ${field}`)];
      }
      if (Date.now() - resumeFrom.time > this.options.limits.resumeWindowS * 1000) {
        return [cursorExpired(`The cursor in resumeFrom is older than ${this.options.limits.resumeWindowS} s`)];
      }
    }
    const readsCallerDependent = this.options.accessRules.readsCallerDependent(
      this.options.schema(),
      parse(operation.query),
    );
    const subscriber: Subscriber = {
      shareKey: `${readsCallerDependent ? identityKey(caller.identity) : 'anyone'}\n${operation.query}\n${JSON.stringify(operation.variables)}`,
      catchingUp: resumeFrom ? [] : null,
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
    if (!resumeFrom) return subscriber.subscription;

    // Registered first, then the stream's last sequence read: every later event reaches the
    // subscriber live (held until the replay is done), every earlier one is in the replay.
    const extent = await this.extentAfterNow(operation.field).catch((error: unknown) => {
      void subscriber.subscription.return();
      throw error;
    });
    if (resumeFrom.sequence < extent.firstSequence - 1 || resumeFrom.sequence > extent.lastSequence) {
      void subscriber.subscription.return();
      return [cursorExpired(`The event log no longer keeps what changed after the cursor in resumeFrom`)];
    }
    void this.catchUp(subscriber, resumeFrom.sequence, extent.lastSequence);
    return subscriber.subscription;
  }

  /**
   * Replays what the subscriber missed: each entity that changed after `after` (up to `until`)
   * once, in its current state, in the order of its last change, then the live events held
   * meanwhile that came after `until`, then live.
   */
  private async catchUp(subscriber: Subscriber, after: number, until: number): Promise<void> {
    const { subscription } = subscriber;
    const { field, args } = subscription.operation;
    try {
      const changes = await this.changesBetween(field, after, until);
      const latest = new Map<string, LiveEvent>();
      for (const event of changes) {
        latest.delete(event.entityId);
        latest.set(event.entityId, event);
      }
      for (const event of latest.values()) {
        if (!field.matches(event, args) || !field.maySee(subscriber.caller.identity, event)) continue;
        await subscription.room();
        if (subscription.isEnded) return;
        const result = await this.resolveShared(subscriber, event);
        if (result) this.push(subscription, result, event);
      }
      for (let held = subscriber.catchingUp!.shift(); held; held = subscriber.catchingUp!.shift()) {
        if (held.sequence <= until) continue;
        const result = await this.resolveShared(subscriber, held);
        if (result) this.push(subscription, result, held);
      }
      subscriber.catchingUp = null;
    } catch (error) {
      this.options.log.error({ err: error, field: field.name }, 'live replay failed');
      subscription.end(coded('SERVICE_UNAVAILABLE', `What changed since the cursor could not be read; resume again`));
    }
  }

  /**
   * The stream's extent, read after this call: subscribers resuming at once (a router drained)
   * share one read, sent on the next turn of the event loop, so it is still read after each of
   * them registered.
   */
  private extentAfterNow(field: LiveField): Promise<StreamExtent> {
    let read = this.extents.get(field.name);
    if (!read) {
      read = new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
        this.extents.delete(field.name);
        return this.feed.extentOf(field);
      });
      this.extents.set(field.name, read);
    }
    return read;
  }

  /**
   * The log between two sequences never changes, so subscribers resuming at once from the same
   * cursor (a router drained, a network back) share one read of it while it is in flight.
   */
  private changesBetween(field: LiveField, after: number, until: number): Promise<LiveEvent[]> {
    const key = `${field.name}:${after}:${until}`;
    const inFlight = this.replays.get(key);
    if (inFlight) return inFlight;
    const read = this.feed.changesBetween(field, after, until).finally(() => this.replays.delete(key));
    this.replays.set(key, read);
    return read;
  }

  /** As `resolve`, shared with the subscribers resolving the same event for the same payload at the same time. */
  private resolveShared(subscriber: Subscriber, event: LiveEvent): Promise<ExecutionResult | null> {
    const key = `${event.stream}:${event.sequence}\n${subscriber.shareKey}`;
    const inFlight = this.resolving.get(key);
    if (inFlight) return inFlight;
    const resolved = this.resolve(subscriber, event).finally(() => this.resolving.delete(key));
    this.resolving.set(key, resolved);
    return resolved;
  }

  private push(subscription: LiveSubscription, result: ExecutionResult, event: LiveEvent): void {
    subscription.push({ ...result, extensions: { ...result.extensions, cursor: this.options.cursors.issue(event) } });
    this.metrics.pushed.inc({ field: event.field });
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
      operation = liveOperationOf(
        this.options.fields,
        schema,
        document,
        request.operationName,
        request.variables ?? {},
      );
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
   * rights before anything is asked, then resolved once per group that may share a payload (see
   * `shareKey`: one resolution for all viewers of a public selection, whoever they are; one per
   * caller otherwise), as the group's first member, and pushed to each. Never waits for a client
   * to read.
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
      if (subscriber.catchingUp) {
        subscriber.catchingUp.push(event);
        continue;
      }
      const group = groups.get(subscriber.shareKey);
      if (group) group.push(subscriber);
      else groups.set(subscriber.shareKey, [subscriber]);
    }
    await Promise.all(
      [...groups.values()].map(async (members) => {
        const result = await this.resolve(members[0], event);
        for (const { subscription } of members) {
          if (!result) {
            this.metrics.dropped.inc({ field: event.field, reason: 'not_visible' });
            continue;
          }
          this.push(subscription, result, event);
        }
      }),
    );
  }

  /** The payload after this event: the client's selection, read through the gateway as the subscriber. */
  private async resolve(subscriber: Subscriber, event: LiveEvent): Promise<ExecutionResult | null> {
    const { operation } = subscriber.subscription;
    const { identity } = subscriber.caller;
    this.metrics.resolutions.inc({ field: event.field });
    const { data, errors } = await this.options.execute(
      { query: operation.query, variables: { ...operation.variables, [ENTITY_ID_VARIABLE]: event.entityId } },
      { identity },
    );
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

function cursorExpired(message: string): GraphQLError {
  return coded('CURSOR_EXPIRED', `${message}: reload what you show, and subscribe again without resumeFrom`);
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
    resolutions: new Counter({
      name: 'live_resolutions_total',
      help: 'Payloads resolved through the gateway for subscriptions (one per event and group of subscribers that share it)',
      labelNames: ['field'],
      registers: [registry],
    }),
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
