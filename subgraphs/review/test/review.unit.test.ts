import {
  Forbidden,
  InvalidInput,
  InvalidState,
  NotFound,
  Unauthenticated,
  ANONYMOUS,
  type Identity,
} from '@roombook/kernel/domain';
import {
  averageOf,
  decideDeletion,
  decideWriting,
  mayStillConfirm,
  parseReviewInput,
  type ReviewableStay,
} from '../src/domain/review';

const now = new Date('2026-11-21T10:00:00.000Z');
const later = new Date('2026-11-22T10:00:00.000Z');
const gus: Identity = { kind: 'user', userId: 'gus', roles: ['GUEST'] };
const eve: Identity = { kind: 'user', userId: 'eve', roles: ['GUEST'] };
const ada: Identity = { kind: 'user', userId: 'ada', roles: ['ADMIN'] };
const stay = (overrides: Partial<ReviewableStay> = {}): ReviewableStay => ({
  reservationId: 'res-1',
  guestId: 'gus',
  roomId: 'room-1',
  status: 'CONFIRMED',
  version: 2,
  ...overrides,
});
const input = parseReviewInput({ reservationId: 'res-1', rating: 4, comment: '  Quiet  ' });

describe('the input of a review', () => {
  it('trims the comment, and a blank one is none', () => {
    expect(input).toEqual({ reservationId: 'res-1', rating: 4, comment: 'Quiet' });
    expect(parseReviewInput({ reservationId: 'res-1', rating: 1, comment: '   ' }).comment).toBeNull();
  });

  it.each([
    [{ rating: 0 }, 'input.rating must be a whole number between 1 and 5'],
    [{ rating: 5.5 }, 'input.rating must be a whole number between 1 and 5'],
    [{ comment: 'c'.repeat(2001) }, 'input.comment must be at most 2000 characters'],
    [{ reservationId: ' ' }, 'input.reservationId must not be empty'],
  ])('refuses %j: %s', (override, message) => {
    const parse = () => parseReviewInput({ reservationId: 'res-1', rating: 3, ...override });
    expect(parse).toThrow(InvalidInput);
    expect(parse).toThrow(message);
  });
});

describe('writing a review', () => {
  it('given the guest and a CONFIRMED stay, when they write, then a published review of its room', () => {
    expect(decideWriting(gus, input, stay(), 'rev-1', now)).toEqual({
      id: 'rev-1',
      roomId: 'room-1',
      authorId: 'gus',
      reservationId: 'res-1',
      rating: 4,
      comment: 'Quiet',
      status: 'PUBLISHED',
      createdAt: now,
      updatedAt: now,
      version: 1,
    });
  });

  it('given someone else, or nobody, when they write, then it is refused', () => {
    expect(() => decideWriting(eve, input, stay(), 'rev-1', now)).toThrow(Forbidden);
    expect(() => decideWriting(ANONYMOUS, input, stay(), 'rev-1', now)).toThrow(Unauthenticated);
  });

  it.each(['PENDING', 'REJECTED', 'CANCELLATION_REQUESTED', 'CANCELLED'])(
    'given a %s stay, when the guest writes, then INVALID_STATE',
    (status) => {
      expect(() => decideWriting(gus, input, stay({ status }), 'rev-1', now)).toThrow(InvalidState);
    },
  );

  it('given no such reservation, then NOT_FOUND naming input.reservationId', () => {
    const write = () => decideWriting(gus, input, null, 'rev-1', now);
    expect(write).toThrow(NotFound);
    expect(write).toThrow(expect.objectContaining({ field: 'input.reservationId' }));
  });

  it('asks the reservation service only when the replica may lag behind a confirmation', () => {
    expect(mayStillConfirm(null)).toBe(true);
    expect(mayStillConfirm(stay({ status: 'PENDING' }))).toBe(true);
    for (const status of ['CONFIRMED', 'REJECTED', 'CANCELLATION_REQUESTED', 'CANCELLED']) {
      expect(mayStillConfirm(stay({ status }))).toBe(false);
    }
  });
});

describe('deleting a review', () => {
  const review = decideWriting(gus, input, stay(), 'rev-1', now);

  it('given the author or an ADMIN, then the review is DELETED at the next version', () => {
    expect(decideDeletion(gus, review, later)).toMatchObject({ status: 'DELETED', version: 2, updatedAt: later });
    expect(decideDeletion(ada, review, later).status).toBe('DELETED');
  });

  it('given anyone else, then FORBIDDEN; given a deleted review, then NOT_FOUND', () => {
    expect(() => decideDeletion(eve, review, later)).toThrow(Forbidden);
    expect(() => decideDeletion(gus, decideDeletion(gus, review, later), later)).toThrow(NotFound);
  });
});

describe('the average rating', () => {
  it('is the mean, or null without reviews', () => {
    expect(averageOf(11, 3)).toBeCloseTo(3.667, 3);
    expect(averageOf(0, 0)).toBeNull();
  });
});
