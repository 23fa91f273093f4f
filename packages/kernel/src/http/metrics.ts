import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface ServiceMetrics {
  readonly registry: Registry;
  readonly httpRequests: Histogram<'method' | 'route' | 'status'>;
  readonly eventsPublished: Counter<'type' | 'duplicate'>;
  readonly eventsConsumed: Counter<'consumer' | 'outcome'>;
}

/** One registry per service process (not the global one), so in-process tests can run several. */
export function createMetrics(service: string): ServiceMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    httpRequests: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP requests by route and status',
      labelNames: ['method', 'route', 'status'],
      registers: [registry],
    }),
    eventsPublished: new Counter({
      name: 'events_published_total',
      help: 'Events the outbox relay published (duplicate=true: the stream had it already)',
      labelNames: ['type', 'duplicate'],
      registers: [registry],
    }),
    eventsConsumed: new Counter({
      name: 'events_consumed_total',
      help: 'Events taken from a durable consumer, by outcome',
      labelNames: ['consumer', 'outcome'],
      registers: [registry],
    }),
  };
}
