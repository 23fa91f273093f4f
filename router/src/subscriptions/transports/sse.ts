import type { ExecutionResult } from 'graphql';
import { print } from 'graphql-sse';
import type { StreamFormat } from './httpSubscriptions';

/** An event id is one line of visible ASCII (our cursors are); anything else is left without one. */
const EVENT_ID = /^[\x21-\x7e]{1,200}$/;

/**
 * The graphql-sse protocol, distinct connections mode: one subscription per `text/event-stream`
 * response, each result a `next` event, the end a `complete` event.
 *
 * graphql-sse's own handler (`createHandler`) cannot serve it here: its `print` writes `event:`
 * and `data:` only, so an event cannot carry its cursor as `id:` (what `EventSource` sends back as
 * `Last-Event-ID`), and its streams end only with `complete`, which tells a client the
 * subscription is over, where a draining router must let it reconnect and resume. The framing is
 * therefore written here, with graphql-sse's `print` for each message, so that its client and any
 * `EventSource` read it.
 */
export const sseFormat: StreamFormat = {
  name: 'sse',
  headers: {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    // Proxies such as nginx would otherwise hold events back to fill their buffers.
    'x-accel-buffering': 'no',
  },
  // An empty comment: some browsers report the stream open only once a first chunk arrives.
  opening: () => ':\n\n',
  result(result: ExecutionResult): string {
    const cursor = result.extensions?.cursor;
    const id = typeof cursor === 'string' && EVENT_ID.test(cursor) ? `id: ${cursor}\n` : '';
    return id + print({ event: 'next', data: result });
  },
  heartbeat: () => ':\n\n',
  completed: () => print({ event: 'complete', data: null }),
  // No `complete`: the client sees the stream end and reconnects, sending Last-Event-ID.
  interrupted: () => '',
};
