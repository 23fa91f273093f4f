/**
 * Hive Gateway (@graphql-hive/gateway's runtime) on node:http, with its defaults, among them its
 * in-flight request deduplication. `node hiveGateway.js <port> <supergraphPath>`;
 * BENCH_DEDUPLICATION=false turns deduplication off; BENCH_SUBGRAPH_HEADERS as for plainGateway.
 * HIVE_ROUTER_RUNTIME=true runs it on its Rust runtime (@graphql-hive/router-runtime: Hive Router's
 * native query planner and its plan executor), as Hive Gateway's own CLI does for that variable.
 */
import { createServer } from 'node:http';
import { createGatewayRuntime } from '@graphql-hive/gateway';

async function main() {
  const [port, supergraph] = process.argv.slice(2);
  const headers = JSON.parse(process.env.BENCH_SUBGRAPH_HEADERS ?? '{}') as Record<string, Record<string, string>>;
  const routerRuntime = process.env.HIVE_ROUTER_RUNTIME === 'true';
  const gateway = createGatewayRuntime({
    supergraph,
    logging: 'error',
    propagateHeaders: { fromClientToSubgraphs: ({ subgraphName }) => headers[subgraphName] ?? {} },
    ...(process.env.BENCH_DEDUPLICATION === 'false'
      ? { transportEntries: { '*.http': { options: { deduplicateInflightRequests: false } } } }
      : {}),
    ...(routerRuntime
      ? { unifiedGraphHandler: (await import('@graphql-hive/router-runtime')).unifiedGraphHandler }
      : {}),
  });
  await new Promise<void>((resolve) =>
    createServer((request, response) => void gateway(request, response)).listen(Number(port), '127.0.0.1', resolve),
  );
  console.log(routerRuntime ? 'ready (Hive Router runtime)' : 'ready');
}

void main();
