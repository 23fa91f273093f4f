import { DeliverPolicy, type ConsumerMessages } from '@nats-io/jetstream';
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
import type { LiveEvent } from './liveFields';

/** One stream subscriptions follow, and what its events tell a subscriber. */
interface Feed {
  readonly stream: EventSource<EventEnvelope>['stream'];
  readonly filterSubject: string;
  /** The live event, or null for an event type this router does not know; throws MalformedEvent. */
  read(envelope: EventEnvelope): LiveEvent | null;
}

function feed<Event extends EventEnvelope>(events: EventSource<Event>, toLive: (event: Event) => LiveEvent): Feed {
  return {
    stream: events.stream,
    filterSubject: events.filterSubject,
    read: (envelope) => {
      const event = events.parse(envelope);
      return event && toLive(event);
    },
  };
}

/** Where each subscription field's events come from, and what they tell. */
const FEEDS: readonly Feed[] = [
  feed(ROOM_EVENTS, ({ id, data }) => ({
    field: 'roomChanged',
    eventId: id,
    entityId: data.room.id,
    roomId: data.room.id,
    reservationId: null,
    guestId: null,
    hostId: data.room.hostId,
  })),
  feed(RESERVATION_EVENTS, ({ id, data }) => ({
    field: 'reservationStatusChanged',
    eventId: id,
    entityId: data.reservationId,
    roomId: data.roomId,
    reservationId: data.reservationId,
    guestId: data.guestId,
    hostId: data.hostId,
  })),
  feed(PAYMENT_EVENTS, ({ id, data }) => ({
    field: 'paymentStatusChanged',
    eventId: id,
    entityId: data.paymentId,
    roomId: data.roomId,
    reservationId: data.reservationId,
    guestId: data.guestId,
    hostId: data.hostId,
  })),
  feed(DASHBOARD_SIGNALS, ({ id, data }) => ({
    field: 'dashboardUpdated',
    eventId: id,
    entityId: data.roomId,
    roomId: data.roomId,
    reservationId: null,
    guestId: null,
    hostId: data.hostId,
  })),
];

export type LiveListener = (event: LiveEvent) => Promise<void>;

/**
 * The router's view of what changes: every event of the four streams subscriptions follow, from
 * the moment this router starts, through an ordered consumer of its own per stream. Not the
 * shared durable consumers the subgraphs use: every router replica must see every event (a fan-
 * out, not a work queue), and nothing of it needs to survive a restart.
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

  async start(): Promise<void> {
    for (const source of FEEDS) {
      const consumer = await this.broker.jetstream.consumers.get(STREAMS[source.stream].name, {
        filter_subjects: source.filterSubject,
        deliver_policy: DeliverPolicy.New,
      });
      const messages = await consumer.consume({ max_messages: 256 });
      this.streams.push(messages);
      this.loops.push(
        (async () => {
          for await (const message of messages) {
            let event: LiveEvent | null = null;
            try {
              event = source.read(parseEnvelope(message.data));
            } catch (error) {
              if (!(error instanceof MalformedEvent)) throw error;
              this.log.warn({ err: error, stream: source.stream }, 'live feed skipped a malformed message');
            }
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
}
