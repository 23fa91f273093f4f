/**
 * What domain code may take from the kernel: the typed failures, identities and calendar
 * arithmetic. Nothing here loads mongoose, Apollo or NATS (the root entry point does), so a
 * domain folder imports `@roombook/kernel/domain` only (eslint enforces it).
 */
export * from './errors';
export * from './identity';
export * from './calendar';
export * from './validation';
export * from './aggregates/decision';
