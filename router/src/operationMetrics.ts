import type { ApolloServerPlugin } from '@apollo/server';
import { Counter, Histogram, type Registry } from 'prom-client';

/** Operation names get a label of their own up to this many; later ones count as "other" (labels stay bounded). */
const MAX_OPERATION_NAMES = 100;
const OPERATION_NAME = /^[_A-Za-z][_0-9A-Za-z]{0,63}$/;

/**
 * Per operation (its name, never the query text): how many, how long, how many failed, and with
 * which of the contract's codes. Clients choose operation names, so at most MAX_OPERATION_NAMES
 * of them become labels.
 */
export function operationMetrics<Context extends object>(registry: Registry): ApolloServerPlugin<Context> {
  const duration = new Histogram({
    name: 'graphql_operation_duration_seconds',
    help: 'GraphQL operations the router answered, by operation name, type and outcome',
    labelNames: ['operation', 'type', 'outcome'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const errors = new Counter({
    name: 'graphql_errors_total',
    help: "Errors in the router's answers, by the contract's error code",
    labelNames: ['code'],
    registers: [registry],
  });
  const named = new Set<string>();
  const labelOf = (name: string | null | undefined): string => {
    if (!name) return 'anonymous';
    if (named.has(name)) return name;
    if (named.size >= MAX_OPERATION_NAMES || !OPERATION_NAME.test(name)) return 'other';
    named.add(name);
    return name;
  };
  return {
    requestDidStart() {
      const started = performance.now();
      return Promise.resolve({
        willSendResponse({ operation, operationName, errors: failures }) {
          const outcome = failures?.length ? 'error' : 'ok';
          duration.observe(
            { operation: labelOf(operationName), type: operation?.operation ?? 'none', outcome },
            (performance.now() - started) / 1000,
          );
          for (const failure of failures ?? []) {
            const code = failure.extensions?.code;
            errors.inc({ code: typeof code === 'string' && /^[A-Z_]{1,40}$/.test(code) ? code : 'OTHER' });
          }
          return Promise.resolve();
        },
      });
    },
  };
}
