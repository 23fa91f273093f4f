import {
  Forbidden,
  InvalidInput,
  InvalidState,
  RoomUnavailable,
  Unauthenticated,
  type Identity,
} from '@roombook/kernel';
import { assertMayCancel, assertMaySee } from '../src/domain/access';
import {
  completeCancellation,
  confirm,
  paymentDeclined,
  requestCancellation,
  parseCancellationReason,
  requestReservation,
  type BookableRoom,
  type Reservation,
} from '../src/domain/reservation';
import { nightsOf, parseStayRequest, type ReserveRoomInput } from '../src/domain/stay';

const now = new Date('2026-11-21T09:00:00.000Z');
const room: BookableRoom = {
  id: 'room-1',
  hostId: 'hana',
  capacity: 2,
  pricePerNight: { amount: 12_000, currency: 'EUR' },
  status: 'ACTIVE',
};
const stay = { checkIn: '2026-12-01', checkOut: '2026-12-04', guests: 2 };
const given = (overrides: Partial<Reservation> = {}): Reservation => ({
  ...requestReservation('r-1', 'gus', stay, room, now),
  ...overrides,
});

describe('requesting a reservation', () => {
  it('prices the nights of [checkIn, checkOut) at the room price and starts PENDING', () => {
    const reservation = given();
    expect(reservation).toMatchObject({
      nights: 3,
      totalPrice: { amount: 36_000, currency: 'EUR' },
      status: 'PENDING',
      hostId: 'hana',
      version: 1,
    });
    expect(reservation.history).toEqual([{ status: 'PENDING', at: now, reason: null }]);
  });

  it('refuses a removed room and more guests than the room holds', () => {
    expect(() => requestReservation('r', 'gus', stay, { ...room, status: 'REMOVED' }, now)).toThrow(RoomUnavailable);
    expect(() => requestReservation('r', 'gus', { ...stay, guests: 3 }, room, now)).toThrow(
      "input.guests must be between 1 and the room's capacity (2)",
    );
  });
});

describe('stay rules', () => {
  const input = (overrides: Partial<ReserveRoomInput> = {}): ReserveRoomInput => ({
    roomId: 'room-1',
    ...stay,
    paymentMethod: { token: 'tok_ok' },
    ...overrides,
  });

  it.each([
    ['input.checkIn', { checkIn: '2026-11-20' }, 'today (2026-11-21) or later'],
    ['input.checkOut', { checkOut: '2026-12-01' }, 'after input.checkIn'],
    ['input.checkOut', { checkOut: '2025-12-01' }, 'after input.checkIn'],
    ['input.checkOut', { checkOut: '2027-12-02' }, 'at most 365 nights'],
    ['input.checkIn', { checkIn: '9999-01-01', checkOut: '9999-01-03' }, 'at most 730 days after today (2026-11-21)'],
    ['input.checkIn', { checkIn: '2028-11-21', checkOut: '2028-11-22' }, 'at most 730 days after today'],
    ['input.checkIn', { checkIn: '2026-02-30' }, 'calendar date'],
    ['input.guests', { guests: 0 }, 'at least 1'],
    ['input.paymentMethod.token', { paymentMethod: { token: ' ' } }, '1..200 characters'],
    ['input.idempotencyKey', { idempotencyKey: '' }, '1..200 characters'],
  ])('rejects a bad %s', (field, override, rule) => {
    const attempt = () => parseStayRequest(input(override), now);
    expect(attempt).toThrow(InvalidInput);
    expect(attempt).toThrow(`${field} must be`);
    expect(attempt).toThrow(rule);
  });

  it('accepts today and exactly 365 nights', () => {
    expect(() => parseStayRequest(input({ checkIn: '2026-11-21', checkOut: '2027-11-21' }), now)).not.toThrow();
  });

  it('accepts a stay starting 730 days from today', () => {
    expect(() => parseStayRequest(input({ checkIn: '2028-11-20', checkOut: '2028-11-23' }), now)).not.toThrow();
  });

  it('counts nights half-open, so back-to-back stays share none', () => {
    expect(nightsOf('2026-12-30', '2027-01-02')).toEqual(['2026-12-30', '2026-12-31', '2027-01-01']);
    const first = nightsOf('2026-12-01', '2026-12-03');
    const next = nightsOf('2026-12-03', '2026-12-05');
    expect(first.filter((night) => next.includes(night))).toEqual([]);
  });
});

describe('the saga transitions', () => {
  it('confirms a pending booking once; a repeated approval changes nothing', () => {
    const confirmed = confirm(given(), now)!;
    expect(confirmed).toMatchObject({ status: 'CONFIRMED', version: 2 });
    expect(confirm(confirmed, now)).toBeNull();
  });

  it('rejects a pending booking on a declined payment, with the reason', () => {
    expect(paymentDeclined(given(), 'card declined', now)).toMatchObject({
      status: 'REJECTED',
      statusReason: 'payment declined: card declined',
    });
  });

  it('cancels a booking whose cancellation was requested when its payment declines: nothing was charged', () => {
    const cancelling = requestCancellation(given(), 'plans changed', now)!;
    expect(paymentDeclined(cancelling, 'card declined', now)).toMatchObject({
      status: 'CANCELLED',
      statusReason: 'plans changed',
    });
  });

  it('goes CONFIRMED → CANCELLATION_REQUESTED → CANCELLED, keeping every step in the history', () => {
    const cancelled = completeCancellation(requestCancellation(confirm(given(), now)!, 'room removed', now)!, now)!;
    expect(cancelled.history.map((change) => change.status)).toEqual([
      'PENDING',
      'CONFIRMED',
      'CANCELLATION_REQUESTED',
      'CANCELLED',
    ]);
    expect(cancelled.statusReason).toBe('room removed');
  });

  it('returns a cancelling or cancelled booking unchanged, and refuses a rejected one', () => {
    const cancelling = requestCancellation(given(), null, now)!;
    expect(requestCancellation(cancelling, null, now)).toBeNull();
    expect(requestCancellation(completeCancellation(cancelling, now)!, null, now)).toBeNull();
    expect(() => requestCancellation(given({ status: 'REJECTED' }), null, now)).toThrow(InvalidState);
  });
});

describe('who may see and cancel', () => {
  const user = (userId: string, roles: ('HOST' | 'GUEST' | 'ADMIN')[] = ['GUEST']): Identity => ({
    kind: 'user',
    userId,
    roles,
  });

  it('shows a reservation to its guest, the host and ADMIN only', () => {
    expect(() => assertMaySee(user('gus'), given())).not.toThrow();
    expect(() => assertMaySee(user('hana', ['HOST']), given())).not.toThrow();
    expect(() => assertMaySee(user('ada', ['ADMIN']), given())).not.toThrow();
    expect(() => assertMaySee(user('eve'), given())).toThrow(Forbidden);
    expect(() => assertMaySee({ kind: 'anonymous' }, given())).toThrow(Unauthenticated);
  });

  it('lets the guest or the host cancel', () => {
    expect(() => assertMayCancel(user('gus'), given())).not.toThrow();
    expect(() => assertMayCancel(user('hana', ['HOST']), given())).not.toThrow();
    expect(() => assertMayCancel(user('eve'), given())).toThrow(Forbidden);
  });
});

describe('cancellation reasons', () => {
  it('keeps a reason of up to 500 characters and refuses a longer one, naming the argument', () => {
    expect(parseCancellationReason('x'.repeat(500))).toBe('x'.repeat(500));
    expect(parseCancellationReason(null)).toBeNull();
    const attempt = () => parseCancellationReason('x'.repeat(90_000));
    expect(attempt).toThrow(InvalidInput);
    expect(attempt).toThrow('reason must be at most 500 characters');
  });
});
