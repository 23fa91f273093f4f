import { Counter, Histogram, type Registry } from 'prom-client';

/** Operation names get a label of their own up to this many; later ones count as "other" (labels stay bounded). */
const MAX_OPERATION_NAMES = 100;
const OPERATION_NAME = /^[_A-Za-z][_0-9A-Za-z]{0,63}$/;

/**
 * Per operation (its name, never the query text): how many, how long, how many failed, and with
 * which of the contract's codes. Clients choose operation names, so at most MAX_OPERATION_NAMES
 * of them become labels.
 */
export class OperationMetrics {
  readonly #duration: Histogram<'operation' | 'type' | 'outcome'>;
  readonly #errors: Counter<'code'>;
  readonly #named = new Set<string>();

  constructor(registry: Registry) {
    this.#duration = new Histogram({
      name: 'graphql_operation_duration_seconds',
      help: 'GraphQL operations the router answered, by operation name, type and outcome',
      labelNames: ['operation', 'type', 'outcome'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    });
    this.#errors = new Counter({
      name: 'graphql_errors_total',
      help: "Errors in the router's answers, by the contract's error code",
      labelNames: ['code'],
      registers: [registry],
    });
  }

  /** One answered operation: `type` is "none" when the request named no operation it could run. */
  observe(
    operationName: string | null | undefined,
    type: string,
    errors: readonly { readonly extensions?: { readonly code?: unknown } }[],
    seconds: number,
  ): void {
    this.#duration.observe(
      { operation: this.#labelOf(operationName), type, outcome: errors.length ? 'error' : 'ok' },
      seconds,
    );
    for (const error of errors) {
      const code = error.extensions?.code;
      this.#errors.inc({ code: typeof code === 'string' && /^[A-Z_]{1,40}$/.test(code) ? code : 'OTHER' });
    }
  }

  #labelOf(name: string | null | undefined): string {
    if (!name) return 'anonymous';
    if (this.#named.has(name)) return name;
    if (this.#named.size >= MAX_OPERATION_NAMES || !OPERATION_NAME.test(name)) return 'other';
    this.#named.add(name);
    return name;
  }
}
