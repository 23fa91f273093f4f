import {
  ROOT_CONTEXT,
  SpanKind,
  context,
  propagation,
  trace,
  type Context,
  type Span,
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
  message: { readonly subject: string; readonly headers?: MsgHdrs },
  event: { readonly id: string; readonly type: string; readonly correlationId: string },
  handle: () => Promise<T>,
): Promise<T> {
  const remote = propagation.extract(ROOT_CONTEXT, message.headers, natsHeaderGetter);
  const baggage = (propagation.getBaggage(remote) ?? propagation.createBaggage()).setEntry('correlation.id', {
    value: event.correlationId,
  });
  const parent: Context = propagation.setBaggage(remote, baggage);
  return kernelTracer.startActiveSpan(
    `process ${message.subject}`,
    {
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
    },
    parent,
    (span) => ended(span, handle),
  );
}

async function ended<T>(span: Span, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    span.recordException(error as Error);
    span.setStatus({ code: 2, message: error instanceof Error ? error.message : String(error) });
    throw error;
  } finally {
    span.end();
  }
}
