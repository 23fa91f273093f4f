export * from './config';
export * from './logger';
export * from './errors';
export * from './identity';
export * from './internalToken';
export * from './calendar';
export * from './validation';
export * from './database';
export * from './engine';
export * from './lifecycle';
export * from './subgraph';
export {
  closeServer,
  listenOnLoopback,
  runCapped,
  scratchDatabaseName,
  type ScratchClient,
  type WarmUp,
} from './warmUp';
export * from './aggregates/aggregateLock';
export * from './aggregates/decision';
export * from './aggregates/commandHandler';
export * from './aggregates/replica';
export * from './aggregates/mongoAggregateStore';
export * from './events/nats';
export * from './events/outbox';
export * from './events/consumer';
export * from './events/replay';
export * from './events/orderedWork';
export * from './graphql/scalars';
export * from './graphql/pagination';
export * from './graphql/perRequest';
export * from './graphql/errorMapping';
export * from './http/metrics';
export * from './http/server';
export * from './http/internalRoutes';
export * from './sealing';
export * from './serviceClient';
export * from './graphql/subgraphSchema';
export * from './graphql/oneByteNames';
