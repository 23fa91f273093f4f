import { randomUUID } from 'node:crypto';
import { z } from 'zod';

/** Every domain event travels in this envelope (see the README, "Events"). */
export interface EventEnvelope<Type extends string = string, Data = unknown> {
  readonly id: string;
  readonly type: Type;
  readonly aggregateId: string;
  /** Per aggregate, increasing: consumers use it to ignore stale or repeated events. */
  readonly aggregateVersion: number;
  readonly occurredAt: string;
  /** The saga this event belongs to (for reservations: the reservation id). */
  readonly correlationId: string;
  /** The id of the event or request that caused this one. */
  readonly causationId: string | null;
  readonly data: Data;
}

/** An envelope waiting in its aggregate's outbox, with the subject it will be published on. */
export interface OutboxEntry extends EventEnvelope {
  readonly subject: string;
  /**
   * The trace context (W3C traceparent, tracestate) where the event was created, so that its
   * publishing, and whatever handles it, join that trace. Absent when tracing is off.
   */
  readonly trace?: Readonly<Record<string, string>>;
}

const envelopeSchema = z.object({
  id: z.string().min(1),
  type: z.string().min(1),
  aggregateId: z.string().min(1),
  aggregateVersion: z.number().int().positive(),
  occurredAt: z.iso.datetime(),
  correlationId: z.string().min(1),
  causationId: z.string().nullable(),
  data: z.unknown(),
});

/**
 * A message that is not what its contract promises. Retrying cannot fix it, so consumers
 * dead-letter it at once, with this message as the reason.
 */
export class MalformedEvent extends Error {
  constructor(what: string, issues: z.core.$ZodIssue[]) {
    super(`${what}: ${describeIssues(issues)}`);
    this.name = 'MalformedEvent';
  }
}

/** "path: rule" for each issue; zod's messages never quote the value, so no card token leaks into a reason. */
export function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ');
}

export function parseEnvelope(bytes: Uint8Array): EventEnvelope {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw new MalformedEvent('message is not JSON', []);
  }
  const parsed = envelopeSchema.safeParse(value);
  if (!parsed.success) throw new MalformedEvent('message is not an event envelope', parsed.error.issues);
  return parsed.data;
}

export interface NewEvent<Type extends string, Data> {
  readonly type: Type;
  readonly aggregateId: string;
  readonly aggregateVersion: number;
  readonly data: Data;
  readonly correlationId?: string;
  readonly causationId?: string | null;
  readonly occurredAt?: Date;
}

export function createEvent<Type extends string, Data>(event: NewEvent<Type, Data>): EventEnvelope<Type, Data> {
  return {
    id: randomUUID(),
    type: event.type,
    aggregateId: event.aggregateId,
    aggregateVersion: event.aggregateVersion,
    occurredAt: (event.occurredAt ?? new Date()).toISOString(),
    correlationId: event.correlationId ?? event.aggregateId,
    causationId: event.causationId ?? null,
    data: event.data,
  };
}
