/**
 * `npm run -s subscribe -- --token <JWT> '<subscription>' [--variables '<JSON>'] [--resume-from <cursor>]`:
 * a GraphQL subscription over graphql-ws from the shell. Prints one JSON line per event,
 * `{ "cursor": ..., "data": ... }`, until stopped (Ctrl-C, SIGTERM) or the router ends it. With
 * `--resume-from`, the router first sends what changed after that cursor (see the README's story).
 * ROUTER (default http://localhost:4000) says where the router is.
 */
import { parseArgs } from 'node:util';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    token: { type: 'string' },
    variables: { type: 'string', default: '{}' },
    'resume-from': { type: 'string' },
  },
});
const [query] = positionals;
if (!query) {
  console.error(
    "usage: npm run -s subscribe -- [--token <JWT>] 'subscription { ... }' [--variables '<JSON>'] [--resume-from <cursor>]",
  );
  process.exit(2);
}
const router = (process.env.ROUTER ?? 'http://localhost:4000').replace(/\/$/, '');

const client = createClient({
  url: `${router.replace(/^http/, 'ws')}/graphql`,
  connectionParams: values.token ? { authorization: `Bearer ${values.token}` } : {},
  webSocketImpl: WebSocket,
  retryAttempts: 0,
  // On stderr, so stdout holds only events: the README's story waits for this line.
  on: { connected: () => console.error('subscribed (Ctrl-C stops)') },
});
const stop = () => void Promise.resolve(client.dispose()).then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

client.subscribe(
  {
    query,
    variables: JSON.parse(values.variables) as Record<string, unknown>,
    ...(values['resume-from'] ? { extensions: { resumeFrom: values['resume-from'] } } : {}),
  },
  {
    next: (result) => {
      if (result.errors) console.log(JSON.stringify({ errors: result.errors }));
      else
        console.log(
          JSON.stringify({
            cursor: (result.extensions as { cursor?: string } | undefined)?.cursor ?? null,
            data: result.data,
          }),
        );
    },
    error: (error: unknown) => {
      console.error(error instanceof Error ? error.message : JSON.stringify(error));
      process.exit(1);
    },
    complete: () => process.exit(0),
  },
);
