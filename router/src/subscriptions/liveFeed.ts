import { AckPolicy, DeliverPolicy, type ConsumerMessages, type JsMsg } from '@nats-io/jetstream';
import { MalformedEvent, parseEnvelope } from '@roombook/contracts';
import type { Broker, Logger } from '@roombook/kernel';
import type { LiveEvent, LiveField, LiveFields } from './liveFields';

/** Where the feed's events go. */
export interface LiveListener {
  /** Whether any subscription of `field` is open now: an event of a field no one follows is not read. */
  follows(field: string): boolean;
  deliver(event: LiveEvent): Promise<void>;
}

/** What a stream holds now: the first sequence it still keeps and the last it stored. */
export interface StreamExtent {
  readonly stream: string;
  readonly firstSequence: number;
  readonly lastSequence: number;
}

/**
 * The router's view of what changes: every event of the streams the Subscription fields declare
 * (`@live` in their subgraphs' SDL), from the moment this router starts, through an ordered
 * consumer of its own per field. Not the
 * shared durable consumers the subgraphs use: every router replica must see every event (a fan-
 * out, not a work queue), and nothing of it needs to survive a restart: a client that missed
 * events resumes from its cursor, read back from the stream (`changesBetween`).
 *
 * One stream's events are handed to the listener one after another, so each subscriber receives
 * them in the order they happened.
 */
export class LiveFeed {
  private readonly streams: ConsumerMessages[] = [];
  private readonly loops: Promise<void>[] = [];

  constructor(
    private readonly fields: LiveFields,
    private readonly broker: Broker,
    private readonly listener: LiveListener,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    for (const source of this.fields.all()) {
      const consumer = await this.broker.jetstream.consumers.get(source.stream, {
        filter_subjects: source.subject,
        deliver_policy: DeliverPolicy.New,
      });
      const messages = await consumer.consume({ max_messages: 256 });
      this.streams.push(messages);
      this.loops.push(
        (async () => {
          for await (const message of messages) {
            // Decided at the moment delivering would decide (nothing in between yields): an event
            // no subscription follows now would be delivered to no one, so it is not even parsed.
            if (!this.listener.follows(source.name)) continue;
            const event = this.read(source, message);
            // One failed delivery must not end the feed for everyone.
            if (event)
              await this.listener
                .deliver(event)
                .catch((error: unknown) => this.log.error({ err: error }, 'live event not delivered'));
          }
        })(),
      );
    }
  }

  async stop(): Promise<void> {
    await Promise.all(this.streams.map((messages) => messages.close()));
    await Promise.all(this.loops);
  }

  /** How far back the field's stream reaches, and where it is now. */
  async extentOf(field: LiveField): Promise<StreamExtent> {
    const { stream } = field;
    const { state } = await this.broker.manager.streams.info(stream);
    return { stream, firstSequence: state.first_seq, lastSequence: state.last_seq };
  }

  /**
   * The field's events stored after sequence `after` up to `until` (inclusive), in order, read
   * under a consumer of its own that nothing else sees (no acknowledgements, gone once read).
   */
  async changesBetween(source: LiveField, after: number, until: number): Promise<LiveEvent[]> {
    if (until <= after) return [];
    const created = await this.broker.manager.consumers.add(source.stream, {
      filter_subject: source.subject,
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: after + 1,
      ack_policy: AckPolicy.None,
      mem_storage: true,
      // Removed by the server if this router dies mid-read (nanoseconds).
      inactive_threshold: 60 * 1_000_000_000,
    });
    const events: LiveEvent[] = [];
    try {
      // Counted when it was made: with none pending, waiting for a first message would wait for ever.
      if (created.num_pending === 0) return events;
      const consumer = await this.broker.jetstream.consumers.get(source.stream, created.name);
      const messages = await consumer.consume({ max_messages: 512 });
      for await (const message of messages) {
        if (message.seq > until) break;
        const event = this.read(source, message);
        if (event) events.push(event);
        if (message.seq >= until || message.info.pending === 0) break;
      }
      await messages.close();
      return events;
    } finally {
      await this.broker.manager.consumers.delete(source.stream, created.name).catch(() => undefined);
    }
  }

  /** The live event, or null for one without the entity's id; a malformed message is skipped. */
  private read(source: LiveField, message: JsMsg): LiveEvent | null {
    try {
      const envelope = parseEnvelope(message.data);
      const entityId = source.entityIdOf(envelope.data);
      if (entityId === null) return null;
      return {
        field: source.name,
        entityId,
        data: envelope.data,
        eventId: envelope.id,
        stream: source.stream,
        sequence: message.seq,
        time: message.time.getTime(),
      };
    } catch (error) {
      if (!(error instanceof MalformedEvent)) throw error;
      this.log.warn(
        { err: error, stream: source.stream, sequence: message.seq },
        'live feed skipped a malformed message',
      );
      return null;
    }
  }
}
