/**
 * Tracing with OpenTelemetry, for the whole process: incoming and outgoing HTTP (so a trace goes
 * from the client through the router into every subgraph fetch), Express routes, MongoDB
 * commands, fetch (service-to-service calls), and the spans @apollo/gateway makes itself
 * (gateway.request, gateway.plan, gateway.fetch per subgraph). Events carry the trace across
 * NATS (see events/traceContext.ts).
 *
 * Started only when OTEL_EXPORTER_OTLP_ENDPOINT is set. Otherwise nothing is registered: the
 * OpenTelemetry API stays its no-op self, and a span costs a function call.
 *
 * It must run before the modules it instruments are first required, so each service's main.ts
 * imports its own src/tracing.ts first, which calls startTracing.
 */
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { ExpressInstrumentation, ExpressLayerType } from '@opentelemetry/instrumentation-express';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { MongoDBInstrumentation } from '@opentelemetry/instrumentation-mongodb';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { z } from 'zod';
import { parseConfig } from '../config';

/** What every service reads to trace (the OpenTelemetry variable's standard name). */
export const tracingEnv = z.object({
  /**
   * OTLP/HTTP collector, e.g. http://otel-collector:4318; traces go to <endpoint>/v1/traces.
   * Unset or empty: no tracing (docker-compose passes it through empty unless it is given).
   */
  OTEL_EXPORTER_OTLP_ENDPOINT: z.preprocess((value) => (value === '' ? undefined : value), z.url().optional()),
});

/** Paths that are probes and scrapes, not requests anyone wants to trace. */
const UNTRACED_PATHS = new Set(['/health/live', '/health/ready', '/metrics']);

let provider: NodeTracerProvider | undefined;

export function startTracing(service: string, env: NodeJS.ProcessEnv = process.env): void {
  const { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint } = parseConfig(tracingEnv, env);
  if (!endpoint || provider) return;
  provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: service }),
    spanProcessors: [
      new BatchSpanProcessor(new OTLPTraceExporter({ url: `${endpoint.replace(/\/$/, '')}/v1/traces` }), {
        scheduledDelayMillis: 500,
      }),
    ],
  });
  // Also sets the W3C trace-context and baggage propagators and the async-hooks context manager.
  provider.register();
  registerInstrumentations({
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (request) => UNTRACED_PATHS.has((request.url ?? '').split('?')[0]),
        // The exporter's own requests to the collector.
        ignoreOutgoingRequestHook: (request) => String(request.path ?? '').startsWith('/v1/'),
      }),
      // Route handlers only: a span per middleware layer (body parsing, routers passed through) says little.
      new ExpressInstrumentation({ ignoreLayersType: [ExpressLayerType.MIDDLEWARE, ExpressLayerType.ROUTER] }),
      new MongoDBInstrumentation({ enhancedDatabaseReporting: false }),
      new UndiciInstrumentation(),
    ],
  });
}

/** Sends what is still buffered; called as the process stops. Nothing to do when tracing is off. */
export async function flushTracing(): Promise<void> {
  await provider?.forceFlush();
}
