import { ROUTER_SUPPORTED_SUPERGRAPH_FEATURES, Supergraph } from '@apollo/federation-internals';
import { isAdmin, type Identity } from '@roombook/kernel/domain';
import type { AccessRules } from '../authorization/accessRules';

/** Our own link for declaring which events drive a Subscription field (see the subgraphs' SDL). */
export const LIVE_SPEC_IDENTITY = 'https://roombook.dev/live';

/** What a live event tells about the entity it changed: enough to filter and to check access without asking anyone. */
export interface LiveEvent {
  /** Which subscription field it feeds. */
  readonly field: string;
  /** The entity the subscriber's selection is resolved on. */
  readonly entityId: string;
  /** The event's data, which the field's filters and parties read. */
  readonly data: unknown;
  /** The domain event (or signal) it came from, for logs and traces. */
  readonly eventId: string;
  /** Where it is in the event log (a cursor names it), and when it was stored there (ms). */
  readonly stream: string;
  readonly sequence: number;
  readonly time: number;
}

/** The arguments of a subscription field (all optional: "all the caller may see"). */
export type LiveArguments = Readonly<Record<string, unknown>>;

/** A Subscription field as its subgraph declares it with `@live`, and as the access directives guard it. */
export interface LiveField {
  readonly name: string;
  readonly stream: string;
  /** The filter subject of its events in the stream. */
  readonly subject: string;
  /** How the payload is read: `<query field>(<argument>: <entity id>)` through the gateway, with the client's selection. */
  readonly entity: { readonly queryField: string; readonly argument: string };
  /** The entity's id in an event, or null when the event has none. */
  entityIdOf(data: unknown): string | null;
  /** Why a caller may not subscribe at all, or null when they may. */
  refusal(identity: Identity): { readonly code: 'UNAUTHENTICATED' | 'FORBIDDEN'; readonly message: string } | null;
  /** Whether the event is one the arguments ask for. */
  matches(event: LiveEvent, args: LiveArguments): boolean;
  /** Checked for every event: the caller receives only what they may see. */
  maySee(identity: Identity, event: LiveEvent): boolean;
}

/** The Subscription fields the supergraph declares with `@live`, read once from its SDL. */
export class LiveFields {
  private constructor(private readonly fields: ReadonlyMap<string, LiveField>) {}

  static fromSupergraph(supergraphSdl: string, rules: AccessRules): LiveFields {
    const { schema } = Supergraph.build(supergraphSdl, { supportedFeatures: ROUTER_SUPPORTED_SUPERGRAPH_FEATURES });
    const live = schema.coreFeatures?.getByIdentity(LIVE_SPEC_IDENTITY)?.directiveNameInSchema('live');
    const fields = new Map<string, LiveField>();
    const subscription = schema.schemaDefinition.rootType('subscription');
    for (const field of subscription?.fields() ?? []) {
      const [declared] = live ? field.appliedDirectivesOf(live) : [];
      if (!declared) continue;
      const args = declared.arguments() as {
        stream: string;
        subject: string;
        query: string;
        key: string;
        filters?: string[] | null;
        parties?: string[] | null;
      };
      fields.set(field.name, liveField(field.name, args, rules));
    }
    return new LiveFields(fields);
  }

  get(name: string): LiveField | undefined {
    return this.fields.get(name);
  }

  all(): readonly LiveField[] {
    return [...this.fields.values()];
  }
}

function liveField(
  name: string,
  declared: {
    stream: string;
    subject: string;
    query: string;
    key: string;
    filters?: string[] | null;
    parties?: string[] | null;
  },
  rules: AccessRules,
): LiveField {
  const query = /^(\w+)\((\w+):\)$/.exec(declared.query);
  if (!query)
    throw new Error(`@live on Subscription.${name}: query must read "field(argument:)", not "${declared.query}"`);
  const filters = (declared.filters ?? []).map((filter) => {
    const [argument, path] = filter.split('=');
    if (!argument || !path)
      throw new Error(`@live on Subscription.${name}: a filter reads "argument=path", not "${filter}"`);
    return { argument, path };
  });
  const parties = declared.parties ?? [];
  // Who may subscribe at all: the field's own access directives, in its subgraph's SDL.
  const fieldRules = rules.ofField('Subscription', name);
  const signIn = {
    code: 'UNAUTHENTICATED',
    message: `Sign in to subscribe to ${name} (it is @authenticated)`,
  } as const;
  return {
    name,
    stream: declared.stream,
    subject: declared.subject,
    entity: { queryField: query[1], argument: query[2] },
    entityIdOf: (data) => {
      const id = valueAt(data, declared.key);
      return typeof id === 'string' && id !== '' ? id : null;
    },
    refusal(identity) {
      for (const rule of fieldRules) {
        if (rule.kind === 'authenticated' && identity.kind !== 'user') return signIn;
        if (rule.kind === 'requiresScopes') {
          if (identity.kind !== 'user') return signIn;
          const roles: readonly string[] = identity.roles;
          if (!rule.scopes.some((set) => set.every((scope) => roles.includes(scope)))) {
            return {
              code: 'FORBIDDEN',
              message: `${name} requires the scopes ${rule.scopes.map((set) => set.join(' and ')).join(' or ')}`,
            };
          }
        }
      }
      return null;
    },
    matches: (event, args) =>
      filters.every(({ argument, path }) => {
        const wanted = args[argument];
        return wanted === null || wanted === undefined || valueAt(event.data, path) === wanted;
      }),
    maySee(identity, event) {
      if (parties.length === 0) return true;
      if (identity.kind !== 'user') return false;
      return isAdmin(identity) || parties.some((path) => valueAt(event.data, path) === identity.userId);
    },
  };
}

/** The value at a dotted path ("room.id") of an event's data. */
function valueAt(data: unknown, path: string): unknown {
  let value = data;
  for (const step of path.split('.')) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[step];
  }
  return value;
}
