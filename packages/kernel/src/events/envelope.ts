import { randomUUID } from 'node:crypto';

/** Every domain event travels in this envelope (ARCHITECTURE.md, "Events"). */
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

export function parseEnvelope(bytes: Uint8Array): EventEnvelope {
  const value: unknown = JSON.parse(new TextDecoder().decode(bytes));
  if (!isEnvelope(value)) throw new Error('Message is not an event envelope');
  return value;
}

function isEnvelope(value: unknown): value is EventEnvelope {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Record<string, unknown>;
  return (
    typeof candidate.id === 'string' &&
    typeof candidate.type === 'string' &&
    typeof candidate.aggregateId === 'string' &&
    typeof candidate.aggregateVersion === 'number' &&
    typeof candidate.occurredAt === 'string' &&
    typeof candidate.correlationId === 'string' &&
    'data' in candidate
  );
}
