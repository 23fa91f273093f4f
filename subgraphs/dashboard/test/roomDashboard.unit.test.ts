import {
  applyFact,
  emptyRow,
  viewOf,
  type DashboardFact,
  type DashboardRow,
  type Listing,
} from '../src/domain/roomDashboard';
import { shuffled } from './eventHistory';

const listing: Listing = {
  hostId: 'hana',
  name: 'Loft',
  city: 'Lisbon',
  status: 'ACTIVE',
  pricePerNight: { amount: 10_000, currency: 'EUR' },
};

let clock = Date.parse('2026-11-21T10:00:00.000Z');
let eventNumber = 0;
/** A fact of room-1 without its moment, which `fact` gives it (one second after the previous). */
type FactOfRoom = DashboardFact extends infer F
  ? F extends DashboardFact
    ? Omit<F, 'at' | 'eventId' | 'roomId'>
    : never
  : never;

function fact(partial: FactOfRoom): DashboardFact {
  clock += 1000;
  eventNumber += 1;
  return {
    roomId: 'room-1',
    at: new Date(clock).toISOString(),
    eventId: `event-${String(eventNumber).padStart(4, '0')}`,
    ...partial,
  };
}

const fold = (facts: readonly DashboardFact[], row: DashboardRow = emptyRow('room-1')) =>
  facts.reduce((current, next) => applyFact(current, next) ?? current, row);

/** A room with a confirmed, a cancelled-and-refunded, a declined booking and two reviews, one deleted. */
function history(): DashboardFact[] {
  return [
    fact({ kind: 'room', version: 1, listing }),
    // Confirmed and paid.
    fact({ kind: 'reservation', reservationId: 'res-a', version: 1, status: 'PENDING' }),
    fact({
      kind: 'payment',
      paymentId: 'pay-a',
      version: 2,
      status: 'APPROVED',
      amount: { amount: 30_000, currency: 'EUR' },
    }),
    fact({ kind: 'reservation', reservationId: 'res-a', version: 2, status: 'CONFIRMED' }),
    // Confirmed, then cancelled and refunded.
    fact({ kind: 'reservation', reservationId: 'res-b', version: 1, status: 'PENDING' }),
    fact({
      kind: 'payment',
      paymentId: 'pay-b',
      version: 2,
      status: 'APPROVED',
      amount: { amount: 20_000, currency: 'EUR' },
    }),
    fact({ kind: 'reservation', reservationId: 'res-b', version: 2, status: 'CONFIRMED' }),
    fact({ kind: 'reservation', reservationId: 'res-b', version: 3, status: 'CANCELLATION_REQUESTED' }),
    fact({
      kind: 'payment',
      paymentId: 'pay-b',
      version: 3,
      status: 'REFUND_PENDING',
      amount: { amount: 20_000, currency: 'EUR' },
    }),
    fact({
      kind: 'payment',
      paymentId: 'pay-b',
      version: 4,
      status: 'REFUNDED',
      amount: { amount: 20_000, currency: 'EUR' },
    }),
    fact({ kind: 'reservation', reservationId: 'res-b', version: 4, status: 'CANCELLED' }),
    // Declined.
    fact({ kind: 'reservation', reservationId: 'res-c', version: 1, status: 'PENDING' }),
    fact({
      kind: 'payment',
      paymentId: 'pay-c',
      version: 2,
      status: 'DECLINED',
      amount: { amount: 10_000, currency: 'EUR' },
    }),
    fact({ kind: 'reservation', reservationId: 'res-c', version: 2, status: 'REJECTED' }),
    // Reviews: one stays, one is deleted.
    fact({ kind: 'review', reviewId: 'rev-1', version: 1, rating: 4, published: true }),
    fact({ kind: 'review', reviewId: 'rev-2', version: 1, rating: 1, published: true }),
    fact({ kind: 'review', reviewId: 'rev-2', version: 2, rating: 1, published: false }),
    fact({ kind: 'room', version: 2, listing: { ...listing, name: 'Loft by the river' } }),
  ];
}

describe('a dashboard row', () => {
  it('shows counts, revenue (approved minus refunded), rating and last statuses of the whole history', () => {
    const facts = history();
    expect(viewOf(fold(facts))).toEqual({
      roomId: 'room-1',
      hostId: 'hana',
      name: 'Loft by the river',
      city: 'Lisbon',
      status: 'ACTIVE',
      pricePerNight: { amount: 10_000, currency: 'EUR' },
      reviewCount: 1,
      averageRating: 4,
      reservationCounts: { pending: 0, confirmed: 1, rejected: 1, cancelled: 1 },
      revenue: { amount: 30_000, currency: 'EUR' },
      lastReservationStatus: 'REJECTED',
      lastPaymentStatus: 'DECLINED',
      updatedAt: new Date(facts.at(-1)!.at),
    });
  });

  it('counts a cancellation in progress as confirmed, and its payment as revenue until refunded', () => {
    const facts = history().slice(0, 9);
    expect(viewOf(fold(facts))).toMatchObject({
      reservationCounts: { pending: 0, confirmed: 2, rejected: 0, cancelled: 0 },
      revenue: { amount: 50_000 },
      lastReservationStatus: 'CANCELLATION_REQUESTED',
      lastPaymentStatus: 'REFUND_PENDING',
    });
  });

  it('is idempotent: a fact applied twice changes nothing the second time', () => {
    const facts = history();
    const row = fold(facts);
    for (const repeat of facts) expect(applyFact(row, repeat)).toBeNull();
    expect(fold([...facts, ...facts])).toEqual(row);
  });

  it('ends the same whatever order the facts arrive in, with duplicates', () => {
    const facts = history();
    const expected = viewOf(fold(facts));
    for (let seed = 1; seed <= 200; seed += 1) {
      const arrival = shuffled([...facts, ...facts.filter((_, index) => (index + seed) % 3 === 0)], seed);
      expect(viewOf(fold(arrival))).toEqual(expected);
    }
  });

  it('ignores an older state of an aggregate whose newer state it has', () => {
    const confirmed = fact({ kind: 'reservation', reservationId: 'res-z', version: 2, status: 'CONFIRMED' });
    const pending = fact({ kind: 'reservation', reservationId: 'res-z', version: 1, status: 'PENDING' });
    const row = fold([fact({ kind: 'room', version: 1, listing }), confirmed]);
    expect(applyFact(row, pending)).toBeNull();
  });

  it('has no view until a room event says what the room is', () => {
    const early = fold([fact({ kind: 'reservation', reservationId: 'res-early', version: 1, status: 'PENDING' })]);
    expect(viewOf(early)).toBeNull();
    const known = fold([fact({ kind: 'room', version: 1, listing })], early);
    expect(viewOf(known)?.reservationCounts.pending).toBe(1);
  });

  it('takes a new revision for every fact that changes it', () => {
    const facts = history();
    expect(fold(facts).version).toBe(facts.length);
  });
});
