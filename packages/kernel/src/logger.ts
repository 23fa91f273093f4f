import { context, propagation, trace } from '@opentelemetry/api';
import pino, { type Logger } from 'pino';

export type { Logger };

/** Paths that may carry credentials or card data; pino replaces them before anything is written. */
const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["x-identity-token"]',
  'headers.authorization',
  'authorization',
  'token',
  '*.token',
  'paymentMethod',
  '*.paymentMethod',
  'input.paymentMethod',
];

/**
 * Every line written while a request or an event is handled names its trace and span, and, for
 * an event, its correlation id (the consumer puts it in the trace's baggage), so logs and traces
 * join. With tracing off there is no active span and nothing is added.
 */
function traceFields(): Record<string, string> {
  const span = trace.getActiveSpan();
  if (!span) return {};
  const { traceId, spanId } = span.spanContext();
  const correlationId = propagation.getBaggage(context.active())?.getEntry('correlation.id')?.value;
  return { trace_id: traceId, span_id: spanId, ...(correlationId ? { correlation_id: correlationId } : {}) };
}

export function createLogger(service: string, level: string): Logger {
  return pino({ name: service, level, mixin: traceFields, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } });
}
