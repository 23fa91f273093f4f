import {
  ROOT_CONTEXT,
  SpanKind,
  context,
  propagation,
  trace,
  type Context,
  type Span,
  type SpanOptions,
  type TextMapGetter,
  type TextMapSetter,
} from '@opentelemetry/api';
import type { MsgHdrs } from '@nats-io/transport-node';

/**
 * A trace crosses NATS in message headers (W3C traceparent/tracestate): the span that publishes
 * an event is a child of the request or event handling that created it, and the span that handles
 * it a child of that. So the payment charged from ReservationRequested, and the reservation
 * confirmed from PaymentApproved, are in the trace of the reserveRoom that started it all. No
 * instrumentation of nats.js exists to do this; the propagation itself is OpenTelemetry's.
 */
export const kernelTracer = trace.getTracer('@roombook/kernel');

const natsHeaderSetter: TextMapSetter<MsgHdrs> = { set: (headers, key, value) => headers.set(key, value) };
const natsHeaderGetter: TextMapGetter<MsgHdrs | undefined> = {
  keys: (headers) => headers?.keys() ?? [],
  get: (headers, key) => (headers?.has(key) ? headers.get(key) : undefined),
};

/** The trace context an outbox entry keeps from where the event was created (EventFamily.create), until it is published. */
export type StoredTraceContext = Readonly<Record<string, string>>;

/** Runs `publish` in a producer span under the event's stored context, its headers carrying that span. */
export function publishingSpan<T>(
  subject: string,
  eventId: string,
  stored: StoredTraceContext | undefined,
  headers: MsgHdrs,
  publish: () => Promise<T>,
): Promise<T> {
  const parent = propagation.extract(ROOT_CONTEXT, stored ?? {});
  return kernelTracer.startActiveSpan(
    `publish ${subject}`,
    {
      kind: SpanKind.PRODUCER,
      attributes: {
        'messaging.system': 'nats',
        'messaging.operation.type': 'send',
        'messaging.destination.name': subject,
        'messaging.message.id': eventId,
      },
    },
    parent,
    (span) => {
      propagation.inject(context.active(), headers, natsHeaderSetter);
      return ended(span, publish);
    },
  );
}

/**
 * Runs `handle` in a consumer span that continues the trace the message's headers carry, with the
 * event's correlation id as baggage, so every log line written meanwhile names it.
 */
export function handlingSpan<T>(
  consumer: string,
  message: HandledMessage,
  event: HandledEvent,
  handle: () => Promise<T>,
): Promise<T> {
  const { name, options, parent } = handlingSpanOf(consumer, message, event);
  return kernelTracer.startActiveSpan(name, options, parent, (span) => ended(span, handle));
}

/**
 * The consumer spans of a batch handled at once: one per event, each in the trace its own message
 * carries, so every event's trace shows its handling however it was batched. End each with
 * `endHandlingSpan` and the event's own outcome.
 */
export function startHandlingSpans(
  consumer: string,
  handled: readonly { readonly message: HandledMessage; readonly event: HandledEvent }[],
): Span[] {
  return handled.map(({ message, event }) => {
    const { name, options, parent } = handlingSpanOf(consumer, message, event);
    return kernelTracer.startSpan(name, options, parent);
  });
}

export function endHandlingSpan(span: Span, outcome: PromiseSettledResult<unknown> | undefined): void {
  if (outcome?.status !== 'fulfilled') failed(span, outcome?.reason);
  span.end();
}

type HandledMessage = { readonly subject: string; readonly headers?: MsgHdrs };
type HandledEvent = { readonly id: string; readonly type: string; readonly correlationId: string };

function handlingSpanOf(consumer: string, message: HandledMessage, event: HandledEvent) {
  const remote = propagation.extract(ROOT_CONTEXT, message.headers, natsHeaderGetter);
  const baggage = (propagation.getBaggage(remote) ?? propagation.createBaggage()).setEntry('correlation.id', {
    value: event.correlationId,
  });
  const parent: Context = propagation.setBaggage(remote, baggage);
  const options: SpanOptions = {
    kind: SpanKind.CONSUMER,
    attributes: {
      'messaging.system': 'nats',
      'messaging.operation.type': 'process',
      'messaging.destination.name': message.subject,
      'messaging.consumer.group.name': consumer,
      'messaging.message.id': event.id,
      'roombook.event.type': event.type,
      'roombook.correlation_id': event.correlationId,
    },
  };
  return { name: `process ${message.subject}`, options, parent };
}

function failed(span: Span, error: unknown): void {
  if (error instanceof Error) span.recordException(error);
  span.setStatus({ code: 2, message: error instanceof Error ? error.message : String(error) });
}

async function ended<T>(span: Span, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    failed(span, error);
    throw error;
  } finally {
    span.end();
  }
}
