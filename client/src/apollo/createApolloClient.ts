import { ApolloClient, ApolloLink, HttpLink, InMemoryCache } from '@apollo/client';
import { PersistedQueryLink } from '@apollo/client/link/persisted-queries';
import { getMainDefinition, isSubscriptionOperation, print } from '@apollo/client/utilities';
import { createClient } from 'graphql-ws';
import type { DocumentNode } from 'graphql';
import trustedOperations from 'virtual:trusted-documents';
import { ConnectionStatus } from './connectionStatus';
import { LiveLink } from './liveLink';

/** The router's one endpoint, on whichever host served the app. */
const GRAPHQL_PATH = '/graphql';

/** Operation name → its id in the trusted-documents manifest generated at build (Apollo's format). */
const OPERATION_IDS = new Map(trustedOperations.map(({ name, id }) => [name, id]));

/**
 * The id the router knows the operation by. An operation missing from the manifest can only be one
 * added since it was generated (in `npm run dev:client`): hashed here, as Apollo's APQ protocol does.
 */
async function operationId(document: DocumentNode): Promise<string> {
  const definition = getMainDefinition(document);
  const known = 'name' in definition && definition.name ? OPERATION_IDS.get(definition.name.value) : undefined;
  if (known) return known;
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(print(document)));
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, '0')).join('');
}

/** After 1 s, 2 s, then every 4 s or so: a restarted router is found quickly, a long outage not hammered. */
function retryWait(retries: number): Promise<void> {
  const delay = Math.min(1000 * 2 ** retries, 4000) * (0.75 + Math.random() / 2);
  return new Promise((resolve) => setTimeout(resolve, delay));
}

export interface RoombookClient {
  readonly apollo: ApolloClient;
  readonly connection: ConnectionStatus;
  dispose(): void;
}

/**
 * Apollo Client for one signed-in person (or none): queries and mutations over HTTP, by their
 * trusted-document id (the text follows only when the router asks for it), subscriptions over
 * graphql-ws with resume. A new sign-in makes a new client, so no cache or socket outlives its token.
 */
export function createApolloClient(token: string | undefined): RoombookClient {
  const authorization = token ? `Bearer ${token}` : undefined;
  const connection = new ConnectionStatus();
  const sockets = createClient({
    url: new URL(GRAPHQL_PATH, window.location.href).href.replace(/^http/, 'ws'),
    connectionParams: () => (authorization ? { authorization } : {}),
    lazy: true,
    retryAttempts: Infinity,
    // A router that stops or restarts closes with 1001 or drops the socket: always worth retrying.
    shouldRetry: () => true,
    retryWait,
    on: {
      connecting: (isRetry) => connection.set(isRetry ? 'reconnecting' : 'connecting'),
      connected: () => connection.set('connected'),
      // 1000: lazy graphql-ws closed a socket nothing follows any more. Anything else was lost.
      closed: (event) => connection.set((event as CloseEvent | undefined)?.code === 1000 ? 'idle' : 'reconnecting'),
    },
  });

  const cache = new InMemoryCache({
    typePolicies: {
      // A dashboard row is identified by its room.
      RoomDashboard: { keyFields: ['roomId'] },
      ReservationCounts: { merge: true },
    },
  });

  const live = new LiveLink(sockets, {
    operationId: (name) => (name ? OPERATION_IDS.get(name) : undefined),
    onGap: () => void apollo.refetchQueries({ include: 'active' }),
  });
  const http = ApolloLink.from([
    new PersistedQueryLink({ generateHash: operationId }),
    new HttpLink({ uri: GRAPHQL_PATH, headers: authorization ? { authorization } : {} }),
  ]);
  const apollo: ApolloClient = new ApolloClient({
    cache,
    link: ApolloLink.split(({ query }) => isSubscriptionOperation(query), live, http),
    defaultOptions: { watchQuery: { fetchPolicy: 'cache-and-network' } },
  });
  return {
    apollo,
    connection,
    dispose() {
      apollo.stop();
      void sockets.dispose();
    },
  };
}
