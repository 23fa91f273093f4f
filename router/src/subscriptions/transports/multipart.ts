import type { ExecutionResult, GraphQLError } from 'graphql';
import type { StreamFormat } from './httpSubscriptions';

const BOUNDARY = 'graphql';
/** Apollo's protocol (and Apollo Router) sends a heartbeat every 5 s. */
export const MULTIPART_HEARTBEAT_MAX_MS = 5_000;

/**
 * Each part is written with the delimiter that follows it: a client (Apollo Client's
 * `readMultipartBody`) reads a part only once it sees the next delimiter, so a part that waited
 * for the next event would reach it one event late.
 */
const part = (json: unknown) => `\r\ncontent-type: application/json\r\n\r\n${JSON.stringify(json)}\r\n--${BOUNDARY}`;

/**
 * Apollo's multipart HTTP subscription protocol (`subscriptionSpec="1.0"`), what Apollo Client's
 * `HttpLink` speaks: each result is a part `{"payload": result}`, a heartbeat is an empty `{}`
 * part, and an error of the transport (not of the operation) is `{"payload": null, "errors": [...]}`,
 * after which the client subscribes again.
 */
export const multipartFormat: StreamFormat = {
  name: 'multipart',
  headers: {
    'content-type': `multipart/mixed;boundary="${BOUNDARY}";subscriptionSpec="1.0"`,
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  },
  // The first delimiter, and a heartbeat: the client knows at once that the subscription stands.
  opening: () => `\r\n--${BOUNDARY}${part({})}`,
  result: (result: ExecutionResult) => part({ payload: result }),
  heartbeat: () => part({}),
  completed: () => '--\r\n',
  interrupted: (error: GraphQLError) => `${part({ payload: null, errors: [error.toJSON()] })}--\r\n`,
};

/**
 * Whether an Accept header asks for multipart subscriptions: a `multipart/mixed` range with a
 * `subscriptionSpec` parameter (Apollo Client sends `multipart/mixed;boundary=graphql;subscriptionSpec=1.0,application/json`).
 */
export function acceptsMultipartSubscription(accept: string | undefined): boolean {
  return (accept ?? '')
    .split(',')
    .some((range) => /^\s*multipart\/mixed\s*(;|$)/i.test(range) && /;\s*subscriptionSpec\s*=/i.test(range));
}
