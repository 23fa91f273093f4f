import { context, propagation } from '@opentelemetry/api';
import type { z } from 'zod';
import { MalformedEvent, createEvent, type EventEnvelope, type NewEvent, type OutboxEntry } from './envelope';
import { STREAMS, type StreamName } from './streams';

/** One event's contract: the subject it is published on and the schema of its data. */
export interface EventDefinition<Schema extends z.ZodType = z.ZodType> {
  readonly subject: string;
  readonly data: Schema;
}

export type EventDefinitions = Record<string, EventDefinition>;

/** The typed union of a family's events, discriminated by `type`. */
export type FamilyEvent<Definitions extends EventDefinitions> = {
  [Type in keyof Definitions & string]: EventEnvelope<Type, z.output<Definitions[Type]['data']>>;
}[keyof Definitions & string];

export type EventOf<Family> = Family extends EventFamily<infer Definitions> ? FamilyEvent<Definitions> : never;

/**
 * The events one context publishes on its stream, defined once: the publisher builds its events
 * here and every consumer parses them here, so neither side retypes the other's shapes.
 */
export class EventFamily<Definitions extends EventDefinitions> {
  /**
   * The subject filter that takes every event of the family (one filter: nats-server 2.9 has no
   * multi-filter consumers): the whole stream, unless the family is given a narrower part of it.
   */
  readonly filterSubject: string;

  constructor(
    readonly stream: StreamName,
    readonly definitions: Definitions,
    options: { readonly filterSubject?: string } = {},
  ) {
    this.filterSubject = options.filterSubject ?? STREAMS[stream].subjects[0];
    const within = (filter: string, subject: string) =>
      !filter.endsWith('>') || subject.startsWith(filter.slice(0, -1));
    for (const [type, { subject }] of Object.entries(definitions)) {
      if (!within(this.filterSubject, subject) || !within(STREAMS[stream].subjects[0], subject)) {
        throw new Error(`${type} is published on ${subject}, outside its stream ${stream} (${this.filterSubject})`);
      }
    }
  }

  /**
   * A new event of this family, ready for an outbox. Its data is checked against the contract
   * here, so a publisher cannot store an event that consumers would refuse.
   */
  create<Type extends keyof Definitions & string>(
    type: Type,
    event: Omit<NewEvent<Type, z.output<Definitions[Type]['data']>>, 'type'>,
  ): OutboxEntry {
    const definition = this.definitions[type];
    const checked = definition.data.safeParse(event.data);
    if (!checked.success) throw new MalformedEvent(`${type} does not match its contract`, checked.error.issues);
    const trace: Record<string, string> = {};
    propagation.inject(context.active(), trace);
    return {
      ...createEvent({ ...event, type, data: checked.data }),
      subject: definition.subject,
      ...(Object.keys(trace).length > 0 ? { trace } : {}),
    };
  }

  /**
   * The typed event, or null for a type this family does not define (a newer publisher's event,
   * which an older consumer skips). Data that breaks the contract is a MalformedEvent.
   */
  parse(envelope: EventEnvelope): FamilyEvent<Definitions> | null {
    if (!Object.hasOwn(this.definitions, envelope.type)) return null;
    const parsed = this.definitions[envelope.type].data.safeParse(envelope.data);
    if (!parsed.success) {
      throw new MalformedEvent(`${envelope.type} ${envelope.id} breaks its contract`, parsed.error.issues);
    }
    return { ...envelope, data: parsed.data } as FamilyEvent<Definitions>;
  }
}
