import { DeliverPolicy } from '@nats-io/jetstream';
import { MalformedEvent, STREAMS, parseEnvelope, type EventEnvelope } from '@roombook/contracts';
import type { Logger } from '../logger';
import type { EventSource } from './consumer';
import type { Broker } from './nats';
import { OrderedWork } from './orderedWork';

export interface ReplaySummary {
  /** Events handed to the handler. */
  readonly replayed: number;
  /** Messages skipped: malformed (they were dead-lettered when they first arrived) or of unknown type. */
  readonly skipped: number;
  /** The stream sequence the replay stopped at (0 for an empty stream). */
  readonly untilSequence: number;
}

export interface ReplayOptions<Event> {
  /** Events handled at once (default 1); events of one `keyOf` are still handled in stream order. */
  readonly concurrency?: number;
  /** Default: the event's aggregate. */
  readonly keyOf?: (event: Event) => string;
}

/**
 * Reads a stream from its first message up to the last one it held when the replay began, under a
 * fresh ordered consumer: nothing durable is created or moved, so live consumers go on as they
 * were. The handler must be idempotent (replayed events may already have been applied).
 */
export async function replayStream<Event extends EventEnvelope>(
  broker: Broker,
  events: EventSource<Event>,
  handle: (event: Event) => Promise<void>,
  log: Logger,
  options: ReplayOptions<Event> = {},
): Promise<ReplaySummary> {
  const work = new OrderedWork(options.concurrency ?? 1);
  const keyOf = options.keyOf ?? ((event: Event) => event.aggregateId);
  const stream = STREAMS[events.stream].name;
  const { state } = await broker.manager.streams.info(stream);
  const untilSequence = state.last_seq;
  let replayed = 0;
  let skipped = 0;
  if (state.messages === 0) return { replayed, skipped, untilSequence };

  const consumer = await broker.jetstream.consumers.get(stream, {
    filter_subjects: events.filterSubject,
    deliver_policy: DeliverPolicy.All,
  });
  const messages = await consumer.consume({ max_messages: 512 });
  for await (const message of messages) {
    let event: Event | null = null;
    try {
      event = events.parse(parseEnvelope(message.data));
    } catch (error) {
      if (!(error instanceof MalformedEvent)) throw error;
      log.warn({ err: error, stream, sequence: message.seq }, 'replay skipped a malformed message');
    }
    if (event === null) skipped += 1;
    else {
      const replaying = event;
      await work.submit(keyOf(replaying), () => handle(replaying));
      replayed += 1;
    }
    if (message.seq >= untilSequence || message.info.pending === 0) break;
  }
  await messages.close();
  await work.drain();
  return { replayed, skipped, untilSequence };
}
