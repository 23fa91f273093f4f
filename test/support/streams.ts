import { connect } from '@nats-io/transport-node';
import { jetstreamManager, type StoredMsg } from '@nats-io/jetstream';
import type { EventEnvelope } from '@roombook/contracts';

export interface StoredEvent {
  /** Its sequence in the stream. */
  readonly sequence: number;
  readonly subject: string;
  readonly event: EventEnvelope;
  readonly headers: Record<string, string>;
}

/** Every message a stream holds now, oldest first, read without a consumer (so it changes nothing). */
export async function readStream(natsUrl: string, stream: string): Promise<StoredEvent[]> {
  const connection = await connect({ servers: natsUrl });
  try {
    const manager = await jetstreamManager(connection);
    const { state } = await manager.streams.info(stream);
    const stored: StoredEvent[] = [];
    for (let seq = state.first_seq; seq <= state.last_seq && state.messages > 0; seq += 1) {
      const message: StoredMsg | null = await manager.streams.getMessage(stream, { seq });
      if (!message) continue;
      const headers: Record<string, string> = {};
      for (const key of message.header?.keys() ?? []) headers[key] = message.header.get(key);
      stored.push({ sequence: message.seq, subject: message.subject, event: message.json<EventEnvelope>(), headers });
    }
    return stored;
  } finally {
    await connection.close();
  }
}

/** Where a durable consumer stands against the end of its stream (-1: no such consumer). */
export interface ConsumerPosition {
  readonly stream: string;
  readonly durable: string;
  readonly lastSequence: number;
  readonly ackFloor: number;
  readonly delivered: number;
  readonly pending: number;
  readonly unacked: number;
  readonly redelivered: number;
}

/** The positions of these durable consumers, read over one connection. */
export async function consumerPositions(
  natsUrl: string,
  consumers: readonly { readonly stream: string; readonly durable: string }[],
): Promise<ConsumerPosition[]> {
  const connection = await connect({ servers: natsUrl });
  try {
    const manager = await jetstreamManager(connection);
    const positions: ConsumerPosition[] = [];
    for (const { stream, durable } of consumers) {
      const lastSequence = (await manager.streams.info(stream)).state.last_seq;
      const consumer = await manager.consumers.info(stream, durable).catch(() => undefined);
      positions.push({
        stream,
        durable,
        lastSequence,
        ackFloor: consumer?.ack_floor.stream_seq ?? -1,
        delivered: consumer?.delivered.stream_seq ?? -1,
        pending: consumer?.num_pending ?? -1,
        unacked: consumer?.num_ack_pending ?? -1,
        redelivered: consumer?.num_redelivered ?? -1,
      });
    }
    return positions;
  } finally {
    await connection.close();
  }
}

/**
 * Whether a durable consumer has acknowledged the message at `sequence` and every one before it:
 * the sure sign that a service has handled an event (and a later marker event, those before it).
 */
export async function consumerHasAcked(
  natsUrl: string,
  stream: string,
  durable: string,
  sequence: number,
): Promise<boolean> {
  const [position] = await consumerPositions(natsUrl, [{ stream, durable }]);
  return position.ackFloor >= sequence;
}

/** Awaits a condition that other processes make true (an event arriving, an outbox draining). */
export async function eventually<T>(
  probe: () => Promise<T>,
  accept: (value: T) => boolean,
  { timeoutMs = 20_000, intervalMs = 50 } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (accept(value)) return value;
    if (Date.now() > deadline)
      throw new Error(`condition not met within ${timeoutMs} ms; last value: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
