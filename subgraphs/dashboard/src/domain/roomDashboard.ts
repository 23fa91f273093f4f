import type { Money, PaymentStatus, ReservationStatus, RoomStatus } from '@roombook/contracts';
import type { Versioned } from '@roombook/kernel/domain';

/** What the dashboard shows of a room's listing. */
export interface Listing {
  readonly hostId: string;
  readonly name: string;
  readonly city: string;
  readonly status: RoomStatus;
  readonly pricePerNight: Money;
}

/** Where a fact stands among all the facts of a row: when it happened, then its version, then its event id. */
export interface Moment {
  readonly at: string;
  readonly version: number;
  readonly eventId: string;
}

/** One event of another context, as far as a dashboard row cares. `version` is its aggregateVersion. */
export type DashboardFact = Moment & { readonly roomId: string } & (
    | { readonly kind: 'room'; readonly listing: Listing }
    | { readonly kind: 'reservation'; readonly reservationId: string; readonly status: ReservationStatus }
    | {
        readonly kind: 'payment';
        readonly paymentId: string;
        readonly status: PaymentStatus;
        readonly amount: Money;
      }
    | { readonly kind: 'review'; readonly reviewId: string; readonly rating: number; readonly published: boolean }
  );

/**
 * A room's row of the read model, as the facts applied so far leave it: for each source aggregate
 * (the room, each reservation, payment and review) its latest state by aggregateVersion. Every
 * field of the contract is derived from these (see viewOf), so the row depends only on which
 * facts it has seen, never on their order or on how often each arrived. `version` is the row's
 * revision; `id` is the room id.
 */
export interface DashboardRow extends Versioned {
  readonly room: (Listing & { readonly version: number }) | null;
  readonly reservations: Readonly<Record<string, { readonly version: number; readonly status: ReservationStatus }>>;
  readonly payments: Readonly<
    Record<string, { readonly version: number; readonly status: PaymentStatus; readonly amount: Money }>
  >;
  readonly reviews: Readonly<
    Record<string, { readonly version: number; readonly rating: number; readonly published: boolean }>
  >;
  /** The latest reservation fact and the latest payment fact, for lastReservationStatus and lastPaymentStatus. */
  readonly lastReservation: (Moment & { readonly status: ReservationStatus }) | null;
  readonly lastPayment: (Moment & { readonly status: PaymentStatus }) | null;
  /** The latest moment of any fact applied. */
  readonly lastFact: Moment | null;
}

export function emptyRow(roomId: string): DashboardRow {
  return {
    id: roomId,
    version: 0,
    room: null,
    reservations: {},
    payments: {},
    reviews: {},
    lastReservation: null,
    lastPayment: null,
    lastFact: null,
  };
}

function isLater(candidate: Moment, than: Moment | null): boolean {
  if (than === null) return true;
  if (candidate.at !== than.at) return candidate.at > than.at;
  if (candidate.version !== than.version) return candidate.version > than.version;
  return candidate.eventId > than.eventId;
}

function latest<M extends Moment>(current: M | null, candidate: M): M | null {
  return isLater(candidate, current) ? candidate : current;
}

/**
 * The row with the facts applied, as its next revision, or null when the row has them all
 * already (the same events again, or older states of aggregates whose newer states it holds):
 * applying is idempotent, and the result does not depend on the order facts arrive in.
 */
export function applyFacts(row: DashboardRow, facts: readonly DashboardFact[]): DashboardRow | null {
  const next = facts.reduce<DashboardRow>((current, fact) => withFact(current, fact) ?? current, row);
  return next === row ? null : { ...next, version: row.version + 1 };
}

export function applyFact(row: DashboardRow, fact: DashboardFact): DashboardRow | null {
  return applyFacts(row, [fact]);
}

function withFact(row: DashboardRow, fact: DashboardFact): DashboardRow | null {
  const moment: Moment = { at: fact.at, version: fact.version, eventId: fact.eventId };
  const touched = { ...row, lastFact: latest(row.lastFact, moment) };
  switch (fact.kind) {
    case 'room':
      if (row.room && row.room.version >= fact.version) return null;
      return { ...touched, room: { ...fact.listing, version: fact.version } };
    case 'reservation': {
      const known = row.reservations[fact.reservationId];
      if (known && known.version >= fact.version) return null;
      return {
        ...touched,
        reservations: { ...row.reservations, [fact.reservationId]: { version: fact.version, status: fact.status } },
        lastReservation: latest(row.lastReservation, { ...moment, status: fact.status }),
      };
    }
    case 'payment': {
      const known = row.payments[fact.paymentId];
      if (known && known.version >= fact.version) return null;
      const payment = { version: fact.version, status: fact.status, amount: fact.amount };
      return {
        ...touched,
        payments: { ...row.payments, [fact.paymentId]: payment },
        lastPayment: latest(row.lastPayment, { ...moment, status: fact.status }),
      };
    }
    case 'review': {
      const known = row.reviews[fact.reviewId];
      if (known && known.version >= fact.version) return null;
      const review = { version: fact.version, rating: fact.rating, published: fact.published };
      return { ...touched, reviews: { ...row.reviews, [fact.reviewId]: review } };
    }
  }
}

/** The contract's RoomDashboard. */
export interface RoomDashboardView {
  readonly roomId: string;
  readonly hostId: string;
  readonly name: string;
  readonly city: string;
  readonly status: RoomStatus;
  readonly pricePerNight: Money;
  readonly reviewCount: number;
  readonly averageRating: number | null;
  readonly reservationCounts: {
    readonly pending: number;
    readonly confirmed: number;
    readonly rejected: number;
    readonly cancelled: number;
  };
  readonly revenue: Money;
  readonly lastReservationStatus: ReservationStatus | null;
  readonly lastPaymentStatus: PaymentStatus | null;
  readonly updatedAt: Date;
}

/** Which count a reservation's latest status falls under: a cancellation in progress still counts as confirmed. */
const COUNTED_AS = {
  PENDING: 'pending',
  CONFIRMED: 'confirmed',
  CANCELLATION_REQUESTED: 'confirmed',
  REJECTED: 'rejected',
  CANCELLED: 'cancelled',
} as const satisfies Record<ReservationStatus, keyof RoomDashboardView['reservationCounts']>;

/** Money the host has: approved, and not (yet) refunded. */
const EARNS: Record<PaymentStatus, boolean> = {
  PENDING: false,
  APPROVED: true,
  DECLINED: false,
  REFUND_PENDING: true,
  REFUNDED: false,
};

/**
 * The row as the contract shows it; null until a room event has told what the room is (facts of
 * its reservations may arrive first). Revenue is in the room's current currency; payments in
 * another one (a host who changed the room's currency) are not added to it.
 */
export function viewOf(row: DashboardRow): RoomDashboardView | null {
  if (!row.room || !row.lastFact) return null;
  const reservationCounts = { pending: 0, confirmed: 0, rejected: 0, cancelled: 0 };
  for (const { status } of Object.values(row.reservations)) reservationCounts[COUNTED_AS[status]] += 1;
  const currency = row.room.pricePerNight.currency;
  const revenue = Object.values(row.payments)
    .filter((payment) => EARNS[payment.status] && payment.amount.currency === currency)
    .reduce((sum, payment) => sum + payment.amount.amount, 0);
  const ratings = Object.values(row.reviews)
    .filter((review) => review.published)
    .map((review) => review.rating);
  return {
    roomId: row.id,
    hostId: row.room.hostId,
    name: row.room.name,
    city: row.room.city,
    status: row.room.status,
    pricePerNight: row.room.pricePerNight,
    reviewCount: ratings.length,
    averageRating: ratings.length === 0 ? null : ratings.reduce((sum, rating) => sum + rating, 0) / ratings.length,
    reservationCounts,
    revenue: { amount: revenue, currency },
    lastReservationStatus: row.lastReservation?.status ?? null,
    lastPaymentStatus: row.lastPayment?.status ?? null,
    updatedAt: new Date(row.lastFact.at),
  };
}
