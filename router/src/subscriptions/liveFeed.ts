import { AckPolicy, DeliverPolicy, type ConsumerMessages, type JsMsg } from '@nats-io/jetstream';
import {
  DASHBOARD_SIGNALS,
  MalformedEvent,
  PAYMENT_EVENTS,
  RESERVATION_EVENTS,
  ROOM_EVENTS,
  parseEnvelope,
  STREAMS,
  type EventEnvelope,
} from '@roombook/contracts';
import type { Broker, EventSource, Logger } from '@roombook/kernel';
import type { LiveEvent, LiveFieldName } from './liveFields';

/** One stream subscriptions follow, and what its events tell a subscriber. */
interface Feed {
  /** The JetStream stream's name. */
  readonly stream: string;
  readonly filterSubject: string;
  /** The live event, or null for an event type this router does not know; throws MalformedEvent. */
  read(message: JsMsg): LiveEvent | null;
}

type LiveFacts = Omit<LiveEvent, 'stream' | 'sequence' | 'time'>;

function feed<Event extends EventEnvelope>(events: EventSource<Event>, toLive: (event: Event) => LiveFacts): Feed {
  const stream = STREAMS[events.stream].name;
  return {
    stream,
    filterSubject: events.filterSubject,
    read: (message) => {
      const event = events.parse(parseEnvelope(message.data));
      return event && { ...toLive(event), stream, sequence: message.seq, time: message.time.getTime() };
    },
  };
}

/** Where each subscription field's events come from, and what they tell. */
const FEEDS: Readonly<Record<LiveFieldName, Feed>> = {
  roomChanged: feed(ROOM_EVENTS, ({ id, data }) => ({
    field: 'roomChanged',
    eventId: id,
    entityId: data.room.id,
    roomId: data.room.id,
    reservationId: null,
    guestId: null,
    hostId: data.room.hostId,
  })),
  reservationStatusChanged: feed(RESERVATION_EVENTS, ({ id, data }) => ({
    field: 'reservationStatusChanged',
    eventId: id,
    entityId: data.reservationId,
    roomId: data.roomId,
    reservationId: data.reservationId,
    guestId: data.guestId,
    hostId: data.hostId,
  })),
  paymentStatusChanged: feed(PAYMENT_EVENTS, ({ id, data }) => ({
    field: 'paymentStatusChanged',
    eventId: id,
    entityId: data.paymentId,
    roomId: data.roomId,
    reservationId: data.reservationId,
    guestId: data.guestId,
    hostId: data.hostId,
  })),
  dashboardUpdated: feed(DASHBOARD_SIGNALS, ({ id, data }) => ({
    field: 'dashboardUpdated',
    eventId: id,
    entityId: data.roomId,
    roomId: data.roomId,
    reservationId: null,
    guestId: null,
    hostId: data.hostId,
  })),
};

export type LiveListener = (event: LiveEvent) => Promise<void>;

/** What a stream holds now: the first sequence it still keeps and the last it stored. */
export interface StreamExtent {
  readonly stream: string;
  readonly firstSequence: number;
  readonly lastSequence: number;
}

/**
 * The router's view of what changes: every event of the four streams subscriptions follow, from
 * the moment this router starts, through an ordered consumer of its own per stream. Not the
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
    private readonly broker: Broker,
    private readonly listener: LiveListener,
    private readonly log: Logger,
  ) {}

  static streamOf(field: LiveFieldName): string {
    return FEEDS[field].stream;
  }

  async start(): Promise<void> {
    for (const source of Object.values(FEEDS)) {
      const consumer = await this.broker.jetstream.consumers.get(source.stream, {
        filter_subjects: source.filterSubject,
        deliver_policy: DeliverPolicy.New,
      });
      const messages = await consumer.consume({ max_messages: 256 });
      this.streams.push(messages);
      this.loops.push(
        (async () => {
          for await (const message of messages) {
            const event = this.read(source, message);
            // One failed delivery must not end the feed for everyone.
            if (event)
              await this.listener(event).catch((error: unknown) =>
                this.log.error({ err: error }, 'live event not delivered'),
              );
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
  async extentOf(field: LiveFieldName): Promise<StreamExtent> {
    const { stream } = FEEDS[field];
    const { state } = await this.broker.manager.streams.info(stream);
    return { stream, firstSequence: state.first_seq, lastSequence: state.last_seq };
  }

  /**
   * The field's events stored after sequence `after` up to `until` (inclusive), in order, read
   * under a consumer of its own that nothing else sees (no acknowledgements, gone once read).
   */
  async changesBetween(field: LiveFieldName, after: number, until: number): Promise<LiveEvent[]> {
    if (until <= after) return [];
    const source = FEEDS[field];
    const created = await this.broker.manager.consumers.add(source.stream, {
      filter_subject: source.filterSubject,
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

  private read(source: Feed, message: JsMsg): LiveEvent | null {
    try {
      return source.read(message);
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
