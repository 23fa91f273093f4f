import { AckPolicy, DeliverPolicy, JetStreamApiError, type ConsumerMessages, type JsMsg } from '@nats-io/jetstream';
import { headers as natsHeaders } from '@nats-io/transport-node';
import {
  MalformedEvent,
  STREAMS,
  deadLetterSubject,
  parseEnvelope,
  type EventEnvelope,
  type StreamName,
} from '@roombook/contracts';
import type { ServiceMetrics } from '../http/metrics';
import type { Logger } from '../logger';
import type { Broker } from './nats';
import { OrderedWork } from './orderedWork';
import { endHandlingSpan, handlingSpan, startHandlingSpans } from './traceContext';

/** Where a consumer's events come from and how they are read: an EventFamily of @roombook/contracts. */
export interface EventSource<Event extends EventEnvelope> {
  readonly stream: StreamName;
  readonly filterSubject: string;
  /** The typed event; null for a type the consumer does not know (skipped); throws MalformedEvent. */
  parse(envelope: EventEnvelope): Event | null;
}

export interface ConsumerSpec<Event extends EventEnvelope = EventEnvelope> {
  /** Durable consumer name, shared by all replicas of a service so each event is handled once. */
  readonly durable: string;
  readonly events: EventSource<Event>;
  /** Deliveries before a message goes to the dead-letter subject. */
  readonly maxDeliveries?: number;
  /** First redelivery delay; doubles with each further attempt. */
  readonly redeliveryDelayMs?: number;
  /** Messages handled at once; events of one aggregate are still handled one after another, in stream order. */
  readonly concurrency?: number;
  /**
   * Must be idempotent: a redelivered event (after a crash between the handler's write and the
   * ack, or a nak) is handed over again. Every handler here is, by comparing the event's
   * aggregateVersion with what it stored, or by being a state transition that is a no-op for news
   * the state has moved past; the record of that lives in the same write as the effect.
   */
  handle(event: Event): Promise<void>;
  /**
   * Instead of `handle`, one call per batch: every message that arrived while the previous batch
   * was being handled (up to `batchSize`), in stream order and with no per-aggregate ordering,
   * so the handler can group them and write once per group. It settles each event on its own
   * (aligned with `events`): a fulfilled one is acked, a rejected one retried or dead-lettered.
   * The same idempotence as `handle` is required.
   */
  handleBatch?(events: readonly Event[]): Promise<readonly PromiseSettledResult<void>[]>;
  /** Most messages in one batch (with handleBatch). */
  readonly batchSize?: number;
}

/** Infers a consumer's event type from its `events` family. */
export function consumerOf<Event extends EventEnvelope>(spec: ConsumerSpec<Event>): ConsumerSpec<Event> {
  return spec;
}

const DEFAULT_MAX_DELIVERIES = 5;
const DEFAULT_REDELIVERY_DELAY_MS = 500;
const DEFAULT_CONCURRENCY = 8;
const DEFAULT_BATCH_SIZE = 256;
const ACK_WAIT_NS = 30 * 1_000_000_000;

/**
 * A durable, explicitly acknowledged consumer. It remembers nothing per event: exactness is the
 * handler's (see ConsumerSpec.handle), so its memory does not grow with the stream. A message
 * that keeps failing, or that breaks its contract, is published to deadletter.<durable> with
 * the reason, then terminated, and the consumer goes on.
 */
export class EventConsumer<Event extends EventEnvelope = EventEnvelope> {
  private messages: ConsumerMessages | undefined;
  private loop: Promise<void> | undefined;
  private readonly maxDeliveries: number;
  private readonly redeliveryDelayMs: number;
  private readonly concurrency: number;
  /** One aggregate's events are handled in order; different aggregates' side by side. */
  private readonly work: OrderedWork;

  constructor(
    private readonly spec: ConsumerSpec<Event>,
    private readonly broker: Broker,
    private readonly log: Logger,
    private readonly metrics: ServiceMetrics,
  ) {
    this.maxDeliveries = spec.maxDeliveries ?? DEFAULT_MAX_DELIVERIES;
    this.redeliveryDelayMs = spec.redeliveryDelayMs ?? DEFAULT_REDELIVERY_DELAY_MS;
    this.concurrency = spec.concurrency ?? DEFAULT_CONCURRENCY;
    this.work = new OrderedWork(this.concurrency);
  }

  async start(): Promise<void> {
    await this.provision();
    const stream = STREAMS[this.spec.events.stream].name;
    this.metrics.trackConsumerLag(this.spec.durable, async () => {
      const info = await this.broker.manager.consumers.info(stream, this.spec.durable);
      return { pending: info.num_pending, unacked: info.num_ack_pending };
    });
    const consumer = await this.broker.jetstream.consumers.get(stream, this.spec.durable);
    // Pull little more than is handled at once: a message that waits here past ack_wait (when handling
    // falls behind) is redelivered, and handling it twice costs the time that was short.
    if (this.spec.handleBatch) {
      const batchSize = this.spec.batchSize ?? DEFAULT_BATCH_SIZE;
      this.messages = await consumer.consume({ max_messages: batchSize });
      this.loop = this.inBatches(this.messages, (events) => this.spec.handleBatch!(events), batchSize);
      return;
    }
    this.messages = await consumer.consume({ max_messages: 2 * this.concurrency });
    const messages = this.messages;
    this.loop = (async () => {
      for await (const message of messages) await this.dispatch(message);
    })();
  }

  /**
   * Collects messages while a batch is being handled, then hands them over as the next batch.
   * Taking no more than a batch ahead keeps the pull bounded: the iterator pulls from the server
   * only as it is read.
   */
  private async inBatches(
    messages: ConsumerMessages,
    handleBatch: NonNullable<ConsumerSpec<Event>['handleBatch']>,
    batchSize: number,
  ): Promise<void> {
    const arrived: JsMsg[] = [];
    let handling: Promise<void> | undefined;
    const next = (): Promise<void> | undefined => {
      if (arrived.length === 0) return undefined;
      const batch = arrived.splice(0, batchSize);
      return this.handleBatchOf(batch, handleBatch).then(() => {
        handling = next();
        return handling;
      });
    };
    for await (const message of messages) {
      arrived.push(message);
      handling ??= next();
      // A full batch waiting besides the one being handled: read no further until it is taken.
      while (arrived.length >= batchSize && handling) await handling;
    }
    while (handling) await handling;
  }

  /** Hands the batch's readable events over at once; acks or fails each message by its own outcome. */
  private async handleBatchOf(
    batch: readonly JsMsg[],
    handleBatch: NonNullable<ConsumerSpec<Event>['handleBatch']>,
  ): Promise<void> {
    const readable: { message: JsMsg; envelope: EventEnvelope; event: Event }[] = [];
    for (const message of batch) {
      let envelope: EventEnvelope;
      let event: Event | null;
      try {
        envelope = parseEnvelope(message.data);
        event = this.spec.events.parse(envelope);
      } catch (error) {
        await this.onFailure(message, undefined, error);
        continue;
      }
      if (event === null) {
        message.ack();
        this.metrics.eventsConsumed.inc({ consumer: this.spec.durable, outcome: 'ignored' });
      } else readable.push({ message, envelope, event });
    }
    if (readable.length === 0) return;
    const spans = startHandlingSpans(
      this.spec.durable,
      readable.map(({ message, envelope }) => ({ message, event: envelope })),
    );
    let outcomes: readonly PromiseSettledResult<void>[];
    try {
      outcomes = await handleBatch(readable.map(({ event }) => event));
    } catch (error) {
      outcomes = readable.map(() => ({ status: 'rejected', reason: error }));
    }
    spans.forEach((span, index) => endHandlingSpan(span, outcomes[index]));
    await Promise.all(
      readable.map(async ({ message, envelope }, index) => {
        const outcome = outcomes[index];
        if (outcome?.status === 'fulfilled') {
          message.ack();
          this.metrics.eventsConsumed.inc({ consumer: this.spec.durable, outcome: 'handled' });
        } else {
          await this.onFailure(message, envelope, outcome?.reason ?? new Error('no outcome for the event'));
        }
      }),
    );
  }

  /** Stops taking messages, then lets the ones being handled finish (and be acked). */
  async stop(): Promise<void> {
    await this.messages?.close();
    await this.loop;
    await this.work.drain();
  }

  /** Starts handling the message once there is room (process and onFailure never throw). */
  private async dispatch(message: JsMsg): Promise<void> {
    let envelope: EventEnvelope;
    try {
      envelope = parseEnvelope(message.data);
    } catch (error) {
      await this.work.submit(`unreadable:${message.seq}`, () => this.onFailure(message, undefined, error));
      return;
    }
    await this.work.submit(envelope.aggregateId, () => this.process(message, envelope));
  }

  private async provision(): Promise<void> {
    const config = {
      durable_name: this.spec.durable,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: ACK_WAIT_NS,
      // The bound is enforced here (dead-lettering with the error), not by the server, which would drop silently.
      max_deliver: -1,
      filter_subject: this.spec.events.filterSubject,
    };
    const stream = STREAMS[this.spec.events.stream].name;
    try {
      await this.broker.manager.consumers.add(stream, config);
    } catch (error) {
      if (error instanceof JetStreamApiError)
        await this.broker.manager.consumers.update(stream, this.spec.durable, config);
      else throw error;
    }
  }

  private async process(message: JsMsg, envelope: EventEnvelope): Promise<void> {
    try {
      const event = this.spec.events.parse(envelope);
      if (event === null) {
        message.ack();
        this.metrics.eventsConsumed.inc({ consumer: this.spec.durable, outcome: 'ignored' });
        return;
      }
      await handlingSpan(this.spec.durable, message, envelope, () => this.spec.handle(event));
      message.ack();
      this.metrics.eventsConsumed.inc({ consumer: this.spec.durable, outcome: 'handled' });
    } catch (error) {
      await this.onFailure(message, envelope, error);
    }
  }

  private async onFailure(message: JsMsg, event: EventEnvelope | undefined, error: unknown): Promise<void> {
    const deliveries = message.info.deliveryCount;
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    const context = { err: error, subject: message.subject, deliveries, eventId: event?.id, type: event?.type };
    // Retrying cannot mend a message that breaks its contract.
    const hopeless = error instanceof MalformedEvent;
    if (!hopeless && deliveries < this.maxDeliveries) {
      this.log.warn(context, 'event handling failed; will retry');
      message.nak(this.redeliveryDelayMs * 2 ** (deliveries - 1));
      this.metrics.eventsConsumed.inc({ consumer: this.spec.durable, outcome: 'retried' });
      return;
    }
    try {
      const headers = natsHeaders();
      headers.set('Dead-Letter-Reason', reason.slice(0, 1000));
      headers.set('Dead-Letter-Subject', message.subject);
      headers.set('Dead-Letter-Deliveries', String(deliveries));
      headers.set('Dead-Letter-Consumer', this.spec.durable);
      await this.broker.jetstream.publish(deadLetterSubject(this.spec.durable), message.data, {
        headers,
        msgID: `${this.spec.durable}:${message.info.streamSequence}`,
      });
      message.term(reason);
      this.metrics.eventsConsumed.inc({ consumer: this.spec.durable, outcome: 'dead_lettered' });
      this.log.error(context, 'event dead-lettered');
    } catch (publishError) {
      // Could not dead-letter (NATS down?): leave it for redelivery rather than lose it.
      this.log.error({ err: publishError }, 'could not dead-letter event; will retry');
      message.nak(this.redeliveryDelayMs);
    }
  }
}
