import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface ServiceMetrics {
  readonly registry: Registry;
  readonly httpRequests: Histogram<'method' | 'route' | 'status'>;
  readonly eventsPublished: Counter<'type' | 'duplicate'>;
  readonly eventsConsumed: Counter<'consumer' | 'outcome'>;
  /** A durable consumer's lag, asked of NATS at each scrape: messages not yet delivered, and delivered but not acked. */
  trackConsumerLag(consumer: string, lag: () => Promise<{ readonly pending: number; readonly unacked: number }>): void;
}

/**
 * One registry per service process (not the global one), so in-process tests can run several.
 * `processMetrics: false` for a registry nobody scrapes (the warm-up's scratch copy): Node's own
 * metrics would keep an event-loop monitor running for it.
 */
export function createMetrics(service: string, { processMetrics = true } = {}): ServiceMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  if (processMetrics) collectDefaultMetrics({ register: registry });
  const consumers = new Map<string, () => Promise<{ readonly pending: number; readonly unacked: number }>>();
  new Gauge({
    name: 'consumer_lag_messages',
    help: "A durable consumer's messages not yet handled: pending (not delivered) and unacked (delivered, not acked)",
    labelNames: ['consumer', 'state'],
    registers: [registry],
    async collect() {
      for (const [consumer, lag] of consumers) {
        // NATS unreachable: no figure rather than a failed scrape.
        const { pending, unacked } = await lag().catch(() => ({ pending: NaN, unacked: NaN }));
        this.set({ consumer, state: 'pending' }, pending);
        this.set({ consumer, state: 'unacked' }, unacked);
      }
    },
  });
  return {
    registry,
    trackConsumerLag: (consumer, lag) => void consumers.set(consumer, lag),
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
