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

export function createLogger(service: string, level: string): Logger {
  return pino({ name: service, level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } });
}
