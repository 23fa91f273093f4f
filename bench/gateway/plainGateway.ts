/**
 * The peer our router is built on: @apollo/gateway on @apollo/server, with their defaults.
 * `node plainGateway.js <port> <supergraphPath>`; BENCH_SUBGRAPH_HEADERS (JSON, per subgraph
 * name) adds headers to its subgraph requests, such as the identity token our subgraphs require.
 */
import { readFileSync } from 'node:fs';
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';

async function main() {
  const [port, supergraphPath] = process.argv.slice(2);
  const headers = JSON.parse(process.env.BENCH_SUBGRAPH_HEADERS ?? '{}') as Record<string, Record<string, string>>;
  const gateway = new ApolloGateway({
    supergraphSdl: readFileSync(supergraphPath, 'utf8'),
    buildService: ({ name, url }) =>
      new RemoteGraphQLDataSource({
        url,
        willSendRequest({ request }) {
          for (const [header, value] of Object.entries(headers[name] ?? {})) request.http?.headers.set(header, value);
        },
      }),
  });
  const server = new ApolloServer({ gateway });
  await startStandaloneServer(server, { listen: { port: Number(port), host: '127.0.0.1' } });
  console.log('ready');
}

void main();
