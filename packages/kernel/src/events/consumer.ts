import { AckPolicy, DeliverPolicy, JetStreamApiError, type ConsumerMessages, type JsMsg } from '@nats-io/jetstream';
import { headers as natsHeaders } from '@nats-io/transport-node';
import type { Connection } from 'mongoose';
import type { Logger } from '../logger';
import type { ServiceMetrics } from '../http/metrics';
import { parseEnvelope, type EventEnvelope } from './envelope';
import type { Broker } from './nats';
import { STREAMS, deadLetterSubject, type StreamName } from './streams';

export interface ConsumerSpec {
  /** Durable consumer name, shared by all replicas of a service so each event is handled once. */
  readonly durable: string;
  readonly stream: StreamName;
  /** One subject filter (nats-server 2.9, as Debian ships it, has no multi-filter consumers). */
  readonly filterSubject?: string;
  /** Deliveries before a message goes to the dead-letter subject. */
  readonly maxDeliveries?: number;
  /** First redelivery delay; doubles with each further attempt. */
  readonly redeliveryDelayMs?: number;
  handle(event: EventEnvelope): Promise<void>;
}

const DEFAULT_MAX_DELIVERIES = 5;
const DEFAULT_REDELIVERY_DELAY_MS = 500;
const ACK_WAIT_NS = 30 * 1_000_000_000;

/**
 * A durable, explicitly acknowledged consumer. Handled event ids are remembered per consumer,
 * so a redelivery after a crash between handling and ack is skipped. A message that keeps
 * failing is published to deadletter.<durable> with its error, then terminated, and the
 * consumer goes on with the next one.
 */
export class EventConsumer {
  private messages: ConsumerMessages | undefined;
  private loop: Promise<void> | undefined;
  private readonly maxDeliveries: number;
  private readonly redeliveryDelayMs: number;

  constructor(
    private readonly spec: ConsumerSpec,
    private readonly broker: Broker,
    private readonly database: Connection,
    private readonly log: Logger,
    private readonly metrics: ServiceMetrics,
  ) {
    this.maxDeliveries = spec.maxDeliveries ?? DEFAULT_MAX_DELIVERIES;
    this.redeliveryDelayMs = spec.redeliveryDelayMs ?? DEFAULT_REDELIVERY_DELAY_MS;
  }

  async start(): Promise<void> {
    await this.provision();
    const consumer = await this.broker.jetstream.consumers.get(STREAMS[this.spec.stream].name, this.spec.durable);
    this.messages = await consumer.consume({ max_messages: 32 });
    const messages = this.messages;
    this.loop = (async () => {
      for await (const message of messages) await this.process(message);
    })();
  }

  async stop(): Promise<void> {
    await this.messages?.close();
    await this.loop;
  }

  private async provision(): Promise<void> {
    const config = {
      durable_name: this.spec.durable,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: ACK_WAIT_NS,
      // The bound is enforced here (dead-lettering with the error), not by the server, which would drop silently.
      max_deliver: -1,
      ...(this.spec.filterSubject ? { filter_subject: this.spec.filterSubject } : {}),
    };
    const stream = STREAMS[this.spec.stream].name;
    try {
      await this.broker.manager.consumers.add(stream, config);
    } catch (error) {
      if (error instanceof JetStreamApiError)
        await this.broker.manager.consumers.update(stream, this.spec.durable, config);
      else throw error;
    }
  }

  private get handled() {
    return this.database.collection<{ _id: string; at: Date }>('handled_events');
  }

  private async process(message: JsMsg): Promise<void> {
    let event: EventEnvelope | undefined;
    try {
      event = parseEnvelope(message.data);
      const key = `${this.spec.durable}:${event.id}`;
      if (await this.handled.findOne({ _id: key })) {
        message.ack();
        return;
      }
      await this.spec.handle(event);
      await this.handled.updateOne({ _id: key }, { $setOnInsert: { at: new Date() } }, { upsert: true });
      message.ack();
      this.metrics.eventsConsumed.inc({ consumer: this.spec.durable, outcome: 'handled' });
    } catch (error) {
      await this.onFailure(message, event, error);
    }
  }

  private async onFailure(message: JsMsg, event: EventEnvelope | undefined, error: unknown): Promise<void> {
    const deliveries = message.info.deliveryCount;
    const reason = error instanceof Error ? error.message : String(error);
    if (deliveries < this.maxDeliveries) {
      this.log.warn(
        { err: error, subject: message.subject, deliveries, eventId: event?.id },
        'event handling failed; will retry',
      );
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
      this.log.error({ err: error, subject: message.subject, deliveries, eventId: event?.id }, 'event dead-lettered');
    } catch (publishError) {
      // Could not dead-letter (NATS down?): leave it for redelivery rather than lose it.
      this.log.error({ err: publishError }, 'could not dead-letter event; will retry');
      message.nak(this.redeliveryDelayMs);
    }
  }
}
