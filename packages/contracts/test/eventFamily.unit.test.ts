import {
  EventFamily,
  MalformedEvent,
  RESERVATION_EVENTS,
  ROOM_EVENTS,
  createEvent,
  parseEnvelope,
  type EventEnvelope,
  type ReservationFacts,
} from '../src';

const reservation: ReservationFacts = {
  reservationId: 'res-1',
  roomId: 'room-1',
  guestId: 'gus',
  hostId: 'hana',
  checkIn: '2026-12-01',
  checkOut: '2026-12-04',
  nights: 3,
  guests: 2,
  totalPrice: { amount: 36000, currency: 'EUR' },
  status: 'PENDING',
  reason: null,
};
const envelope = (type: string, data: unknown): EventEnvelope =>
  createEvent({ type, aggregateId: 'res-1', aggregateVersion: 1, data });
const bytes = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

describe('publishing an event of a family', () => {
  it('gives the outbox entry its subject and the envelope its correlation and version', () => {
    const entry = RESERVATION_EVENTS.create('ReservationRequested', {
      aggregateId: 'res-1',
      aggregateVersion: 1,
      data: { ...reservation, sealedPaymentToken: 'sealed' },
    });
    expect(entry).toMatchObject({
      subject: 'reservations.requested',
      type: 'ReservationRequested',
      aggregateId: 'res-1',
      aggregateVersion: 1,
      correlationId: 'res-1',
      causationId: null,
      data: { ...reservation, sealedPaymentToken: 'sealed' },
    });
  });

  it('refuses data that breaks the contract, so nothing malformed reaches an outbox', () => {
    const publish = () =>
      RESERVATION_EVENTS.create('ReservationConfirmed', {
        aggregateId: 'res-1',
        aggregateVersion: 2,
        data: { ...reservation, nights: 0 },
      });
    expect(publish).toThrow(MalformedEvent);
    expect(publish).toThrow(/nights: /);
  });

  it('will not define an event outside its stream', () => {
    const stray = () =>
      new EventFamily('ROOMS', {
        Stray: { subject: 'payments.stray', data: ROOM_EVENTS.definitions.RoomRegistered.data },
      });
    expect(stray).toThrow(/outside its stream ROOMS/);
  });
});

describe('consuming an event of a family', () => {
  it('gives the typed event with its data checked', () => {
    const event = RESERVATION_EVENTS.parse(envelope('ReservationRequested', { ...reservation, extra: 'ignored' }));
    expect(event?.type).toBe('ReservationRequested');
    expect(event?.data).toEqual(reservation);
  });

  it('skips a type the family does not define (a newer publisher)', () => {
    expect(RESERVATION_EVENTS.parse(envelope('ReservationTeleported', {}))).toBeNull();
  });

  it('names the field of data that breaks the contract', () => {
    const malformed = envelope('ReservationRequested', { ...reservation, totalPrice: { amount: -1, currency: 'EUR' } });
    expect(() => RESERVATION_EVENTS.parse(malformed)).toThrow(MalformedEvent);
    expect(() => RESERVATION_EVENTS.parse(malformed)).toThrow(/totalPrice\.amount: must be greater than 0/);
  });
});

describe('reading an envelope off the wire', () => {
  it('reads a well-formed envelope', () => {
    const event = envelope('ReservationRequested', reservation);
    expect(parseEnvelope(bytes(event))).toEqual(event);
  });

  it.each([
    ['not JSON', new TextEncoder().encode('{nope')],
    ['no aggregate version', bytes({ ...envelope('X', {}), aggregateVersion: undefined })],
    ['a version of 0', bytes({ ...envelope('X', {}), aggregateVersion: 0 })],
    ['a date that is not an instant', bytes({ ...envelope('X', {}), occurredAt: 'yesterday' })],
  ])('calls a message with %s a MalformedEvent', (_what, message) => {
    expect(() => parseEnvelope(message)).toThrow(MalformedEvent);
  });
});
