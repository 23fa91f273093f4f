/**
 * Synthetic but contract-valid histories of the four streams the dashboard follows, published
 * straight to NATS, and the read model they must produce. Shared by the dashboard's tests and
 * its benchmark.
 */
import { randomBytes } from 'node:crypto';
import {
  PAYMENT_EVENTS,
  RESERVATION_EVENTS,
  REVIEW_EVENTS,
  ROOM_EVENTS,
  type OutboxEntry,
  type PaymentStatus,
  type ReservationStatus,
} from '@roombook/contracts';
import { jetstream } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { applyFact, emptyRow, viewOf, type DashboardRow, type RoomDashboardView } from '../src/domain/roomDashboard';
import { factOf } from '../src/projecting/facts';
import { consumerPositions, readStream, type ConsumerPosition } from '../../../test/support/streams';

const newId = () => randomBytes(12).toString('hex');

/** The four dashboard consumers and what each reads. */
export const DASHBOARD_FEEDS = [
  { stream: 'ROOMS', durable: 'dashboard-rooms', family: ROOM_EVENTS },
  { stream: 'RESERVATIONS', durable: 'dashboard-reservations', family: RESERVATION_EVENTS },
  { stream: 'PAYMENTS', durable: 'dashboard-payments', family: PAYMENT_EVENTS },
  { stream: 'REVIEWS', durable: 'dashboard-reviews', family: REVIEW_EVENTS },
] as const;

type Outcome = 'confirmed' | 'cancelled' | 'declined' | 'pending';

/** Builds events in the order their aggregates would publish them, each a moment after the last. */
export class HistoryWriter {
  readonly events: OutboxEntry[] = [];
  private clock = Date.parse('2026-11-01T08:00:00.000Z');

  private at(): Date {
    this.clock += 1000 + Math.floor(Math.random() * 1000);
    return new Date(this.clock);
  }

  room(roomId = newId(), hostId = 'hana', city = 'Lisbon'): { roomId: string; hostId: string } {
    const now = this.at().toISOString();
    this.events.push(
      ROOM_EVENTS.create('RoomRegistered', {
        aggregateId: roomId,
        aggregateVersion: 1,
        data: {
          room: {
            id: roomId,
            hostId,
            name: `Room ${roomId.slice(-4)}`,
            description: null,
            city,
            capacity: 2,
            pricePerNight: { amount: 10_000, currency: 'EUR' },
            amenities: [],
            status: 'ACTIVE',
            createdAt: now,
            updatedAt: now,
          },
        },
      }),
    );
    return { roomId, hostId };
  }

  /** A reservation of the room and its payment, through to the outcome. */
  reservation(room: { roomId: string; hostId: string }, outcome: Outcome, guestId = 'gus'): string {
    const reservationId = newId();
    const paymentId = newId();
    const totalPrice = { amount: 20_000, currency: 'EUR' };
    const reservationEvent = (version: number, status: ReservationStatus) =>
      this.events.push(
        RESERVATION_EVENTS.create(
          (
            {
              PENDING: 'ReservationRequested',
              CONFIRMED: 'ReservationConfirmed',
              REJECTED: 'ReservationRejected',
              CANCELLATION_REQUESTED: 'ReservationCancellationRequested',
              CANCELLED: 'ReservationCancelled',
            } as const
          )[status],
          {
            aggregateId: reservationId,
            aggregateVersion: version,
            occurredAt: this.at(),
            data: {
              reservationId,
              roomId: room.roomId,
              guestId,
              hostId: room.hostId,
              checkIn: '2026-12-01',
              checkOut: '2026-12-03',
              nights: 2,
              guests: 1,
              totalPrice,
              status,
              reason: null,
            },
          },
        ),
      );
    const paymentEvent = (version: number, status: PaymentStatus) =>
      this.events.push(
        PAYMENT_EVENTS.create(
          (
            {
              APPROVED: 'PaymentApproved',
              DECLINED: 'PaymentDeclined',
              REFUND_PENDING: 'PaymentRefundRequested',
              REFUNDED: 'PaymentRefunded',
            } as const
          )[status as Exclude<PaymentStatus, 'PENDING'>],
          {
            aggregateId: paymentId,
            aggregateVersion: version,
            occurredAt: this.at(),
            correlationId: reservationId,
            data: {
              paymentId,
              reservationId,
              roomId: room.roomId,
              guestId,
              hostId: room.hostId,
              amount: totalPrice,
              status,
              failureReason: status === 'DECLINED' ? 'card declined' : null,
            },
          },
        ),
      );
    reservationEvent(1, 'PENDING');
    if (outcome === 'pending') return reservationId;
    if (outcome === 'declined') {
      paymentEvent(2, 'DECLINED');
      reservationEvent(2, 'REJECTED');
      return reservationId;
    }
    paymentEvent(2, 'APPROVED');
    reservationEvent(2, 'CONFIRMED');
    if (outcome === 'cancelled') {
      reservationEvent(3, 'CANCELLATION_REQUESTED');
      paymentEvent(3, 'REFUND_PENDING');
      paymentEvent(4, 'REFUNDED');
      reservationEvent(4, 'CANCELLED');
    }
    return reservationId;
  }

  review(room: { roomId: string }, reservationId: string, rating: number, deleted = false): void {
    const reviewId = newId();
    const data = { reviewId, roomId: room.roomId, authorId: 'gus', reservationId, rating };
    this.events.push(
      REVIEW_EVENTS.create('ReviewWritten', {
        aggregateId: reviewId,
        aggregateVersion: 1,
        occurredAt: this.at(),
        data: { ...data, status: 'PUBLISHED' },
      }),
    );
    if (deleted) {
      this.events.push(
        REVIEW_EVENTS.create('ReviewDeleted', {
          aggregateId: reviewId,
          aggregateVersion: 2,
          occurredAt: this.at(),
          data: { ...data, status: 'DELETED' },
        }),
      );
    }
  }

  /** A busy room: every kind of outcome, and reviews, one deleted. */
  busyRoom(hostId = 'hana', reservations = 6): string {
    const room = this.room(undefined, hostId);
    const outcomes: Outcome[] = ['confirmed', 'cancelled', 'declined', 'pending'];
    for (let index = 0; index < reservations; index += 1) {
      const reservationId = this.reservation(room, outcomes[index % outcomes.length]);
      if (index % 4 === 0) this.review(room, reservationId, 1 + (index % 5), index % 8 === 4);
    }
    return room.roomId;
  }
}

/** Publishes events as their services' outboxes would (msgID = event id), or under fresh ids (a redelivery). */
export async function publishEvents(
  natsUrl: string,
  events: readonly OutboxEntry[],
  options: { freshMessageIds?: boolean } = {},
): Promise<void> {
  const connection = await connect({ servers: natsUrl });
  try {
    const js = jetstream(connection);
    for (const { subject, ...event } of events) {
      await js.publish(subject, JSON.stringify(event), {
        msgID: options.freshMessageIds ? `${event.id}:${newId()}` : event.id,
      });
    }
  } finally {
    await connection.close();
  }
}

/** Every event of the four streams, as stored (any publisher's, and repeats). */
export async function storedSourceEvents(natsUrl: string): Promise<OutboxEntry[]> {
  const events: OutboxEntry[] = [];
  for (const { stream } of DASHBOARD_FEEDS) {
    for (const { subject, event } of await readStream(natsUrl, stream)) events.push({ ...event, subject });
  }
  return events;
}

/** What the read model must hold: every stored event folded once, in stream order, through the projection. */
export async function expectedRows(natsUrl: string): Promise<RoomDashboardView[]> {
  const rows = new Map<string, DashboardRow>();
  for (const { stream, family } of DASHBOARD_FEEDS) {
    for (const { event } of await readStream(natsUrl, stream)) {
      const parsed = family.parse(event);
      if (!parsed) continue;
      const fact = factOf(parsed);
      const row = rows.get(fact.roomId) ?? emptyRow(fact.roomId);
      rows.set(fact.roomId, applyFact(row, fact) ?? row);
    }
  }
  return [...rows.values()]
    .map(viewOf)
    .filter((view): view is RoomDashboardView => view !== null)
    .sort((a, b) => a.roomId.localeCompare(b.roomId));
}

/** Each dashboard consumer's position against the end of its stream: what a timeout prints. */
export const dashboardLag = (natsUrl: string): Promise<ConsumerPosition[]> =>
  consumerPositions(natsUrl, DASHBOARD_FEEDS);

/**
 * Every consumer has handled its whole stream: its ack floor is at the end, or (the same fact, read
 * from counts the server keeps apart from the floor) everything is delivered and nothing unacked.
 */
export const caughtUp = (lag: readonly ConsumerPosition[]): boolean =>
  lag.every(
    (feed) =>
      feed.ackFloor >= feed.lastSequence ||
      (feed.delivered >= feed.lastSequence && feed.pending === 0 && feed.unacked === 0),
  );

/** A deterministic shuffle (mulberry32), so a failing order can be replayed from its seed. */
export function shuffled<T>(items: readonly T[], seed: number): T[] {
  let state = seed;
  const random = () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy;
}
