import {
  ANONYMOUS,
  Forbidden,
  InvalidInput,
  InvalidState,
  Unauthenticated,
  type Identity,
} from '@roombook/kernel/domain';
import { decideRegistration, decideRemoval, decideUpdate, type Room } from '../src/domain/room';

const now = new Date('2026-11-21T10:00:00.000Z');
const host: Identity = { kind: 'user', userId: 'hana', roles: ['HOST'] };
const otherHost: Identity = { kind: 'user', userId: 'omar', roles: ['HOST'] };
const admin: Identity = { kind: 'user', userId: 'ada', roles: ['ADMIN'] };
const guest: Identity = { kind: 'user', userId: 'gus', roles: ['GUEST'] };

const listing = {
  name: '  Loft by the river  ',
  city: 'Lisbon',
  capacity: 2,
  pricePerNight: { amount: 12000, currency: 'EUR' },
};

function givenRoom(overrides: Partial<Room> = {}): Room {
  return { ...decideRegistration(host, listing, 'room-1', now), ...overrides };
}

describe('registering a room', () => {
  it('makes the caller the host of an ACTIVE room at version 1, with trimmed text', () => {
    const room = decideRegistration(host, listing, 'room-1', now);
    expect(room).toMatchObject({
      id: 'room-1',
      hostId: 'hana',
      name: 'Loft by the river',
      description: null,
      amenities: [],
      status: 'ACTIVE',
      version: 1,
    });
  });

  it('needs a signed-in HOST', () => {
    expect(() => decideRegistration(ANONYMOUS, listing, 'r', now)).toThrow(Unauthenticated);
    expect(() => decideRegistration(guest, listing, 'r', now)).toThrow(Forbidden);
  });

  it.each([
    ['input.name', { name: '   ' }, '1..120 characters'],
    ['input.name', { name: 'x'.repeat(121) }, '1..120 characters'],
    ['input.description', { description: 'x'.repeat(2001) }, 'at most 2000'],
    ['input.city', { city: '' }, '1..80 characters'],
    ['input.city', { city: 'x'.repeat(81) }, '1..80 characters'],
    ['input.capacity', { capacity: 0 }, 'between 1 and 50'],
    ['input.capacity', { capacity: 51 }, 'between 1 and 50'],
    ['input.pricePerNight.amount', { pricePerNight: { amount: 0, currency: 'EUR' } }, 'greater than 0'],
    ['input.pricePerNight.currency', { pricePerNight: { amount: 10, currency: 'eur' } }, 'three upper-case letters'],
    ['input.amenities', { amenities: Array.from({ length: 51 }, (_, i) => `a${i}`) }, 'at most 50'],
    ['input.amenities.1', { amenities: ['wifi', 'x'.repeat(41)] }, '1..40 characters'],
  ])('rejects a bad %s', (field, override, rule) => {
    const attempt = () => decideRegistration(host, { ...listing, ...override }, 'r', now);
    expect(attempt).toThrow(InvalidInput);
    expect(attempt).toThrow(new RegExp(`^${field.replace(/\./g, '\\.')} .*${rule}`));
  });
});

describe('updating a room', () => {
  it('applies the changed fields and bumps the version', () => {
    const change = decideUpdate(host, givenRoom(), { capacity: 4, description: 'Quiet' }, now);
    expect(change?.room).toMatchObject({ capacity: 4, description: 'Quiet', version: 2 });
    expect(change?.changed).toEqual(['description', 'capacity']);
  });

  it('is a no-op when nothing differs', () => {
    expect(decideUpdate(host, givenRoom(), { capacity: 2 }, now)).toBeNull();
  });

  it('lets an ADMIN update, but not another host', () => {
    expect(decideUpdate(admin, givenRoom(), { capacity: 3 }, now)?.room.capacity).toBe(3);
    expect(() => decideUpdate(otherHost, givenRoom(), { capacity: 3 }, now)).toThrow(Forbidden);
  });

  it('refuses null for a required field but lets description be cleared', () => {
    expect(() => decideUpdate(host, givenRoom(), { name: null }, now)).toThrow('input.name cannot be null');
    const cleared = decideUpdate(host, givenRoom({ description: 'old' }), { description: null }, now);
    expect(cleared?.room.description).toBeNull();
  });

  it('refuses to change a removed room', () => {
    expect(() => decideUpdate(host, givenRoom({ status: 'REMOVED' }), { capacity: 3 }, now)).toThrow(InvalidState);
  });
});

describe('removing a room', () => {
  it('turns it REMOVED once; again is a no-op', () => {
    const removed = decideRemoval(host, givenRoom(), now);
    expect(removed).toMatchObject({ status: 'REMOVED', version: 2 });
    expect(decideRemoval(host, removed!, now)).toBeNull();
  });

  it('is for the host or an ADMIN only', () => {
    expect(() => decideRemoval(guest, givenRoom(), now)).toThrow(Forbidden);
    expect(decideRemoval(admin, givenRoom(), now)?.status).toBe('REMOVED');
  });
});
