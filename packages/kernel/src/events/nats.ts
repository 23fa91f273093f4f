import { connect, type NatsConnection } from '@nats-io/transport-node';
import {
  jetstream,
  jetstreamManager,
  JetStreamApiError,
  RetentionPolicy,
  StorageType,
  type JetStreamClient,
  type JetStreamManager,
} from '@nats-io/jetstream';
import type { Logger } from '../logger';
import { STREAMS } from '@roombook/contracts';

export interface Broker {
  readonly connection: NatsConnection;
  readonly jetstream: JetStreamClient;
  readonly manager: JetStreamManager;
  isConnected(): boolean;
  close(): Promise<void>;
}

/** Publishing deduplicates by Nats-Msg-Id within this window; the outbox relay retries well inside it. */
const DUPLICATE_WINDOW_NS = 10 * 60 * 1_000_000_000;

export async function connectBroker(
  url: string,
  name: string,
  log: Logger,
  { streamReplicas = 1 }: { readonly streamReplicas?: number } = {},
): Promise<Broker> {
  // Never give up reconnecting: an outage must delay events, not end the service.
  const connection = await connect({ servers: url, name, maxReconnectAttempts: -1, reconnectTimeWait: 250 });
  let connected = true;
  void (async () => {
    for await (const status of connection.status()) {
      if (status.type === 'disconnect') {
        connected = false;
        log.warn('NATS disconnected');
      } else if (status.type === 'reconnect') {
        connected = true;
        log.info('NATS reconnected');
      }
    }
  })();
  const manager = await jetstreamManager(connection);
  await provisionStreams(manager, streamReplicas);
  return {
    connection,
    jetstream: jetstream(connection),
    manager,
    isConnected: () => connected && !connection.isClosed(),
    close: () => connection.drain(),
  };
}

/** Every service provisions all streams at start (idempotent), so start-up order never matters. */
async function provisionStreams(manager: JetStreamManager, replicas: number): Promise<void> {
  for (const stream of Object.values(STREAMS)) {
    const config = {
      name: stream.name,
      subjects: [...stream.subjects],
      storage: StorageType.File,
      // Domain streams keep every event (no age or count limit), so a read model can always be
      // rebuilt from the first event; only the dashboard's change signals expire.
      retention: RetentionPolicy.Limits,
      max_age: 'maxAgeSeconds' in stream ? stream.maxAgeSeconds * 1_000_000_000 : 0,
      duplicate_window: DUPLICATE_WINDOW_NS,
      num_replicas: replicas,
    };
    try {
      await manager.streams.add(config);
    } catch (error) {
      // Already there with other settings: bring it to ours.
      if (error instanceof JetStreamApiError) await manager.streams.update(stream.name, config);
      else throw error;
    }
  }
}
