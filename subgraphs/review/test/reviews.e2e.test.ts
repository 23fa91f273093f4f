import { errorCodes } from '../../../test/support/graphqlClient';
import { CANCEL, registerRoom, stayBooker } from '../../../test/support/booking';
import { eventually, readStream } from '../../../test/support/streams';
import { startSystem, type TestSystem } from '../../../test/support/system';
import { tokenFor } from '../../../test/support/tokens';

const WRITE = `mutation($input: WriteReviewInput!) {
  writeReview(input: $input) { id roomId authorId reservationId rating comment createdAt room { id name } }
}`;
const DELETE = `mutation($id: ID!) { deleteReview(id: $id) { id rating } }`;
const REVIEW = `query($id: ID!) { review(id: $id) { id rating comment room { id } } }`;
const RATINGS = `query($id: ID!, $first: Int, $after: String) {
  room(id: $id) {
    reviewCount averageRating
    reviews(first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { id rating authorId } } }
  }
}`;

let system: TestSystem;
let host: string; // hana, HOST
let gus: string; // GUEST
let eve: string; // GUEST
let ada: string; // ADMIN

beforeAll(async () => {
  system = await startSystem(['room', 'payment', 'reservation', 'review']);
  [host, gus, eve, ada] = await Promise.all([
    tokenFor('hana', ['HOST']),
    tokenFor('gus', ['GUEST']),
    tokenFor('eve', ['GUEST']),
    tokenFor('ada', ['ADMIN']),
  ]);
});
afterAll(() => system.stop());

const bookStay = stayBooker(() => system, { firstNight: 20 });
/** A stay of the guest's in the room, settled as the card token says; returns the reservation. */
const book = (roomId: string, token: string, card = 'tok_visa') => bookStay(roomId, token, { card });

async function write(input: Record<string, unknown>, token = gus) {
  return system.graphql(WRITE, { input }, token);
}

async function ratings(roomId: string, page: { first?: number; after?: string } = {}) {
  const response = await system.graphql(RATINGS, { id: roomId, ...page });
  expect(response.errors).toBeUndefined();
  return response.data!.room as {
    reviewCount: number;
    averageRating: number | null;
    reviews: {
      totalCount: number;
      pageInfo: { hasNextPage: boolean; endCursor: string | null };
      edges: { node: { id: string; rating: number; authorId: string } }[];
    };
  };
}

describe('writing a review', () => {
  it('lets the guest review a confirmed stay right after booking, even while the replica cannot have heard of it', async () => {
    const roomId = await registerRoom(system, host, { name: 'Loft' });
    // With NATS down no reservation event can reach the review service: only asking reservation can tell.
    await system.nats.stop();
    try {
      const reservation = await book(roomId, gus);
      expect(reservation.status).toBe('CONFIRMED');
      const response = await write({ reservationId: reservation.id, rating: 4, comment: '  Quiet and bright  ' });
      expect(response.errors).toBeUndefined();
      expect(response.data!.writeReview).toMatchObject({
        roomId,
        authorId: 'gus',
        reservationId: reservation.id,
        rating: 4,
        comment: 'Quiet and bright',
        room: { id: roomId, name: 'Loft' },
      });
    } finally {
      await system.nats.start();
    }
    expect(await ratings(roomId)).toMatchObject({ reviewCount: 1, averageRating: 4 });
  });

  it('publishes ReviewWritten and ReviewDeleted', async () => {
    const roomId = await registerRoom(system, host);
    const reservation = await book(roomId, gus);
    const written = await write({ reservationId: reservation.id, rating: 5 });
    const reviewId = written.data!.writeReview.id as string;
    await system.graphql(DELETE, { id: reviewId }, gus);
    const events = await eventually(
      async () => (await readStream(system.nats.url, 'REVIEWS')).filter(({ event }) => event.aggregateId === reviewId),
      (found) => found.length === 2,
    );
    expect(events.map(({ subject, event }) => [subject, event.type, event.aggregateVersion])).toEqual([
      ['reviews.written', 'ReviewWritten', 1],
      ['reviews.deleted', 'ReviewDeleted', 2],
    ]);
    expect(events[0].event.data).toEqual({
      reviewId,
      roomId,
      authorId: 'gus',
      reservationId: reservation.id,
      rating: 5,
      status: 'PUBLISHED',
    });
    expect(events[0].event.correlationId).toBe(reservation.id);
  });

  it('takes one review per reservation: a second is CONFLICT', async () => {
    const roomId = await registerRoom(system, host);
    const reservation = await book(roomId, gus);
    expect((await write({ reservationId: reservation.id, rating: 3 })).errors).toBeUndefined();
    const again = await write({ reservationId: reservation.id, rating: 5 });
    expect(errorCodes(again)).toEqual(['CONFLICT']);
    expect(again.errors![0].message).toMatch(/one review per reservation/);
    expect(await ratings(roomId)).toMatchObject({ reviewCount: 1, averageRating: 3 });
  });

  it.each([
    ['input.rating', { rating: 0 }, 'must be a whole number between 1 and 5'],
    ['input.rating', { rating: 6 }, 'must be a whole number between 1 and 5'],
    ['input.comment', { comment: 'c'.repeat(2001) }, 'must be at most 2000 characters'],
  ])('refuses a bad %s with BAD_USER_INPUT naming the field and the rule', async (field, override, rule) => {
    const response = await write({ reservationId: 'any', rating: 4, ...override });
    expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
    expect(response.errors![0].message).toBe(`${field} ${rule}`);
    expect(response.errors![0].extensions?.field).toBe(field);
  });

  it('is for the guest of a CONFIRMED reservation only', async () => {
    const roomId = await registerRoom(system, host);
    const confirmed = await book(roomId, gus);
    const declined = await book(roomId, gus, 'tok_declined');
    expect(declined.status).toBe('REJECTED');
    const cancelled = await book(roomId, gus);
    await system.graphql(CANCEL, { id: cancelled.id }, gus);

    expect(errorCodes(await write({ reservationId: confirmed.id, rating: 5 }, eve))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await write({ reservationId: confirmed.id, rating: 5 }, host))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await system.graphql(WRITE, { input: { reservationId: confirmed.id, rating: 5 } }))).toEqual([
      'UNAUTHENTICATED',
    ]);
    const rejected = await write({ reservationId: declined.id, rating: 1 });
    expect(errorCodes(rejected)).toEqual(['INVALID_STATE']);
    expect(rejected.errors![0].message).toMatch(/is REJECTED; only a CONFIRMED stay can be reviewed/);
    expect(errorCodes(await write({ reservationId: cancelled.id, rating: 1 }))).toEqual(['INVALID_STATE']);
    const missing = await write({ reservationId: '000000000000000000000000', rating: 5 });
    expect(errorCodes(missing)).toEqual(['NOT_FOUND']);
    expect(missing.errors![0].extensions?.field).toBe('input.reservationId');
    expect(await ratings(roomId)).toMatchObject({ reviewCount: 0, averageRating: null });
  });

  it('answers SERVICE_UNAVAILABLE when it cannot know the reservation and reservation does not answer', async () => {
    await system.stopSubgraph('reservation');
    try {
      const response = await write({ reservationId: 'known-to-nobody-here', rating: 4 });
      expect(errorCodes(response)).toEqual(['SERVICE_UNAVAILABLE']);
      expect(response.errors![0].message).toMatch(/retry later/);
    } finally {
      await system.startSubgraph('reservation');
    }
  });
});

describe("a room's reviews and rating", () => {
  it('counts and averages the current reviews, right after each write and delete', async () => {
    const roomId = await registerRoom(system, host);
    const [first, second, third] = [await book(roomId, gus), await book(roomId, eve), await book(roomId, gus)];
    const ids: string[] = [];
    for (const [reservation, rating, token] of [
      [first, 5, gus],
      [second, 2, eve],
      [third, 4, gus],
    ] as const) {
      const response = await write({ reservationId: reservation.id, rating }, token);
      ids.push(response.data!.writeReview.id as string);
    }
    expect(await ratings(roomId)).toMatchObject({ reviewCount: 3, averageRating: 11 / 3 });

    // Newest first, page by page.
    const page1 = await ratings(roomId, { first: 2 });
    expect(page1.reviews.totalCount).toBe(3);
    expect(page1.reviews.edges.map(({ node }) => node.id)).toEqual([ids[2], ids[1]]);
    expect(page1.reviews.pageInfo.hasNextPage).toBe(true);
    const page2 = await ratings(roomId, { first: 2, after: page1.reviews.pageInfo.endCursor! });
    expect(page2.reviews.edges.map(({ node }) => node.id)).toEqual([ids[0]]);
    expect(page2.reviews.pageInfo.hasNextPage).toBe(false);

    expect((await system.graphql(DELETE, { id: ids[1] }, eve)).errors).toBeUndefined();
    expect(await ratings(roomId)).toMatchObject({ reviewCount: 2, averageRating: 4.5 });
    expect((await system.graphql(DELETE, { id: ids[0] }, ada)).errors).toBeUndefined();
    expect((await system.graphql(DELETE, { id: ids[2] }, gus)).errors).toBeUndefined();
    const none = await ratings(roomId);
    expect(none).toMatchObject({ reviewCount: 0, averageRating: null, reviews: { totalCount: 0, edges: [] } });
  });

  it('shows reviews and ratings to anonymous callers, for a page of rooms at once', async () => {
    const roomId = await registerRoom(system, host, { city: 'Reviewville' });
    const reservation = await book(roomId, gus);
    await write({ reservationId: reservation.id, rating: 2 });
    await registerRoom(system, host, { city: 'Reviewville' });
    const response = await system.graphql(
      `{ rooms(filter: { city: "Reviewville" }) { edges { node { id reviewCount averageRating reviews { totalCount } } } } }`,
    );
    expect(response.errors).toBeUndefined();
    expect(response.data!.rooms.edges.map(({ node }: { node: unknown }) => node)).toEqual([
      { id: roomId, reviewCount: 1, averageRating: 2, reviews: { totalCount: 1 } },
      { id: expect.any(String), reviewCount: 0, averageRating: null, reviews: { totalCount: 0 } },
    ]);
  });
});

describe('deleting a review', () => {
  it('is for the author or an ADMIN; a deleted review is gone', async () => {
    const roomId = await registerRoom(system, host);
    const reservation = await book(roomId, gus);
    const reviewId = (await write({ reservationId: reservation.id, rating: 5, comment: 'Lovely' })).data!.writeReview
      .id as string;
    expect((await system.graphql(REVIEW, { id: reviewId })).data!.review).toEqual({
      id: reviewId,
      rating: 5,
      comment: 'Lovely',
      room: { id: roomId },
    });

    expect(errorCodes(await system.graphql(DELETE, { id: reviewId }, eve))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await system.graphql(DELETE, { id: reviewId }, host))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await system.graphql(DELETE, { id: reviewId }))).toEqual(['UNAUTHENTICATED']);
    const deleted = await system.graphql(DELETE, { id: reviewId }, gus);
    expect(deleted.data!.deleteReview).toEqual({ id: reviewId, rating: 5 });

    expect((await system.graphql(REVIEW, { id: reviewId })).data!.review).toBeNull();
    expect(errorCodes(await system.graphql(DELETE, { id: reviewId }, gus))).toEqual(['NOT_FOUND']);
    expect(errorCodes(await system.graphql(DELETE, { id: 'no-such-review' }, ada))).toEqual(['NOT_FOUND']);
    // Deleting does not reopen the reservation for a second review.
    expect(errorCodes(await write({ reservationId: reservation.id, rating: 1 }))).toEqual(['CONFLICT']);
  });
});
