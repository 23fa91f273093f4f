import { ApolloLink, CombinedGraphQLErrors } from '@apollo/client';
import { print } from '@apollo/client/utilities';
import type { Client } from 'graphql-ws';
import type { GraphQLFormattedError } from 'graphql';
import { Observable } from 'rxjs';

/** What the router sends for a cursor that is older than its event log keeps (runtime.md). */
export const CURSOR_EXPIRED = 'CURSOR_EXPIRED';

/** The payload graphql-ws sends as `subscribe`, with the extensions that make it resumable. */
interface SubscribePayload {
  readonly query: string;
  readonly operationName: string | undefined;
  readonly variables: Record<string, unknown>;
  readonly extensions: {
    persistedQuery?: { version: 1; sha256Hash: string };
    /** The last cursor received: after a lost connection, the router sends what changed since. */
    resumeFrom?: string;
  };
}

export interface LiveLinkOptions {
  /** The operation's id in the trusted-documents manifest, sent beside its text. */
  readonly operationId: (operationName: string | undefined) => string | undefined;
  /**
   * A subscription could not be resumed (its cursor expired, or it never had one because the
   * router sends none): what the views show may have missed changes and must be fetched again.
   */
  readonly onGap: () => void;
}

/**
 * Subscriptions over graphql-ws that survive a lost connection. Each payload's
 * `extensions.cursor` is kept, and graphql-ws, which sends the same payload object again on every
 * reconnect, then subscribes with `extensions.resumeFrom` set to it: the router delivers what
 * changed in between, nothing twice. A CURSOR_EXPIRED error subscribes afresh after asking the
 * views to refetch; a subscription that had no cursor when its connection dropped does the same.
 */
export class LiveLink extends ApolloLink {
  /** The payloads of the subscriptions open now. */
  private readonly active = new Set<SubscribePayload>();

  constructor(
    private readonly client: Client,
    private readonly options: LiveLinkOptions,
  ) {
    super();
    client.on('connected', (_socket, _payload, wasRetry) => {
      if (wasRetry && this.hasGap()) options.onGap();
    });
  }

  private hasGap(): boolean {
    return [...this.active].some((payload) => payload.extensions.resumeFrom === undefined);
  }

  override request(operation: ApolloLink.Operation): Observable<ApolloLink.Result> {
    return new Observable<ApolloLink.Result>((observer) => {
      const sha256Hash = this.options.operationId(operation.operationName);
      const payload: SubscribePayload = {
        query: print(operation.query),
        operationName: operation.operationName,
        variables: operation.variables,
        extensions: sha256Hash ? { persistedQuery: { version: 1, sha256Hash } } : {},
      };
      this.active.add(payload);
      let dispose = (): void => undefined;
      const subscribe = () => {
        dispose = this.client.subscribe<Record<string, unknown>, { cursor?: unknown }>(payload, {
          next: (result) => {
            const cursor = result.extensions?.cursor;
            if (typeof cursor === 'string') payload.extensions.resumeFrom = cursor;
            observer.next(result as ApolloLink.Result);
          },
          complete: () => observer.complete(),
          error: (error: unknown) => {
            if (isGraphQLErrors(error) && error.some((each) => each.extensions?.code === CURSOR_EXPIRED)) {
              delete payload.extensions.resumeFrom;
              this.options.onGap();
              subscribe();
              return;
            }
            observer.error(
              isGraphQLErrors(error)
                ? new CombinedGraphQLErrors({ errors: error })
                : error instanceof Error
                  ? error
                  : new Error('The live connection closed'),
            );
          },
        });
      };
      subscribe();
      return () => {
        this.active.delete(payload);
        dispose();
      };
    });
  }
}

function isGraphQLErrors(value: unknown): value is GraphQLFormattedError[] {
  return Array.isArray(value) && value.every((each) => typeof (each as { message?: unknown })?.message === 'string');
}
