import type { OutboxEntry } from '@roombook/contracts';
import { Schema, Types, type Connection, type Model, type SchemaDefinition } from 'mongoose';
import { isDuplicateKeyError } from '../database';
import { saveVersioned, withOutbox, type OutboxRelay } from '../events/outbox';
import type { AggregateStore } from './commandHandler';
import type { Versioned } from './decision';

/** An aggregate as stored: its fields under `_id`, with its unpublished events beside them. */
export type StoredAggregate<State extends Versioned> = Omit<State, 'id'> & {
  _id: string;
  outbox: OutboxEntry[];
};

/**
 * How the store's model sees a document: by `_id`, its fields untyped. Typed per aggregate, the
 * mongoose model of a generic class costs the type checker more than it has (measured: out of memory).
 */
type AnyDocument = { _id: string } & Record<string, unknown>;

/** A Money field (the contract's moneySchema) in an aggregate's schema. */
export const MONEY_FIELD = {
  amount: { type: Number, required: true },
  currency: { type: String, required: true },
} as const;

/**
 * The schema of an aggregate's collection: its own fields, and what every aggregate has (the id,
 * the version its saves check, when it was made and last changed, its outbox).
 */
export function aggregateSchema(collection: string, fields: SchemaDefinition): Schema {
  const schema = new Schema(
    {
      _id: { type: String, required: true },
      ...fields,
      createdAt: { type: Date, required: true },
      updatedAt: { type: Date, required: true },
      version: { type: Number, required: true },
    },
    { collection, versionKey: false },
  );
  schema.plugin(withOutbox);
  return schema;
}

/** What differs between the aggregates' stores: how a state maps to its document and back. */
export interface AggregateMapping<State extends Versioned> {
  /** Fields stored beside the aggregate's own, derived from it (a lower-cased key a filter uses). */
  readonly derived?: (state: State) => Record<string, unknown>;
  /** Stored fields the aggregate never holds (derived keys, a sealed secret): left out of every read. */
  readonly hidden?: readonly string[];
  /** The aggregate from its stored fields: defaults for fields that older documents lack. */
  readonly fromStored?: (fields: Omit<State, 'id'>) => Omit<State, 'id'>;
  /** Stored fields to remove when this state is saved (a secret it no longer needs). */
  readonly dropOnSave?: (state: State) => readonly string[];
}

/**
 * The one store shape of every writing subgraph: an aggregate per document, its events in the
 * same document (see withOutbox), inserted once and then changed only by a versioned save.
 * A subgraph's store extends it with its own queries; the mapping says what differs.
 *
 * The relay is woken by every write that adds events, at once, except an insert told
 * `announce: false`: its caller wakes it with announce() when the events may go (the booking
 * gives its synchronous payment call its chance first, so the event path does not race it).
 */
export class MongoAggregateStore<State extends Versioned> implements AggregateStore<State> {
  protected readonly model: Model<AnyDocument>;
  private readonly hiddenFields: Record<string, 0>;

  constructor(
    database: Connection,
    name: string,
    /** Made by aggregateSchema. */
    schema: Schema,
    protected readonly outbox: OutboxRelay,
    private readonly mapping: AggregateMapping<State> = {},
  ) {
    this.model = database.model<AnyDocument>(name, schema);
    outbox.track(this.model.collection);
    this.hiddenFields = Object.fromEntries(
      ['outbox', 'outboxPending', ...(mapping.hidden ?? [])].map((field) => [field, 0 as const]),
    );
  }

  /** Ids sort in creation order (ObjectId hex): the lists' order and cursors. */
  newId(): string {
    return new Types.ObjectId().toHexString();
  }

  async findById(id: string): Promise<State | null> {
    const document = await this.model.findById(id, this.hiddenFields).lean<AnyDocument>();
    return document ? this.toState(document) : null;
  }

  async findMany(ids: readonly string[]): Promise<Map<string, State>> {
    const states = await this.find({ _id: { $in: ids } });
    return new Map(states.map((state) => [state.id, state]));
  }

  /** The aggregates a filter selects (a store's own queries build on it). */
  protected async find(
    filter: Record<string, unknown>,
    order?: { sort: Record<string, 1 | -1>; limit: number },
  ): Promise<State[]> {
    const query = this.model.find(filter, this.hiddenFields);
    if (order) query.sort(order.sort).limit(order.limit);
    return (await query.lean<AnyDocument[]>()).map((document) => this.toState(document));
  }

  /**
   * Stores a new aggregate with its first events, and `stored` beside it (a secret the aggregate
   * does not hold). False when its id, or another unique key, exists already (a raced repeat).
   */
  async insert(
    state: State,
    events: readonly OutboxEntry[],
    options: { stored?: Record<string, unknown>; announce?: boolean } = {},
  ): Promise<boolean> {
    const { id, ...fields } = state;
    try {
      await this.model.create({
        _id: id,
        ...fields,
        ...this.mapping.derived?.(state),
        ...options.stored,
        outbox: events,
      });
    } catch (error) {
      if (isDuplicateKeyError(error)) return false;
      throw error;
    }
    this.outbox.inserted(this.model.collection, id, events, options.announce !== false);
    return true;
  }

  /** See AggregateStore.update: the state and its events in one write, if still at `expectedVersion`. */
  update(state: State, expectedVersion: number, events: readonly OutboxEntry[]): Promise<boolean> {
    const { id, ...fields } = state;
    return saveVersioned(this.model, this.outbox, {
      id,
      expectedVersion,
      set: { ...fields, ...this.mapping.derived?.(state) },
      unset: this.mapping.dropOnSave?.(state),
      events,
    });
  }

  /**
   * Wakes the relay for events an insert stored with `announce: false`: those of the aggregate `id`
   * (nothing to do if a change since has taken them out with its own), or without an id whatever is pending.
   */
  announce(id?: string): void {
    if (id === undefined) this.outbox.nudge();
    else this.outbox.release(this.model.collection, id);
  }

  /** A stored document as its aggregate: the store's own fields and the hidden ones removed. */
  protected toState(document: AnyDocument): State {
    const { _id, ...fields } = document;
    for (const field of Object.keys(this.hiddenFields)) delete fields[field];
    const restored = this.mapping.fromStored?.(fields as Omit<State, 'id'>) ?? (fields as Omit<State, 'id'>);
    return { id: _id, ...restored } as State;
  }
}
