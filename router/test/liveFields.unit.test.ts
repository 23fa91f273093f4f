import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { composeServices } from '@apollo/composition';
import type { Identity } from '@roombook/kernel/domain';
import { parse } from 'graphql';
import { AccessRules } from '../src/authorization/accessRules';
import { LiveFields, type LiveEvent } from '../src/subscriptions/liveFields';

const SUPERGRAPH = readFileSync(join(__dirname, '..', '..', 'schema', 'supergraph.graphql'), 'utf8');
const fields = LiveFields.fromSupergraph(SUPERGRAPH, AccessRules.fromSupergraph(SUPERGRAPH));

const anonymous = { kind: 'anonymous' } as Identity;
const user = (userId: string, roles: string[]) => ({ kind: 'user', userId, roles }) as unknown as Identity;
const event = (field: string, data: unknown): LiveEvent => ({
  field,
  entityId: 'e',
  data,
  eventId: 'ev',
  stream: 'S',
  sequence: 1,
  time: 0,
});

describe('the Subscription fields the checked-in supergraph declares with @live', () => {
  it('are the four the subgraphs own, each with its stream and entity', () => {
    expect(fields.all().map(({ name, stream, subject, entity }) => ({ name, stream, subject, entity }))).toEqual(
      expect.arrayContaining([
        { name: 'roomChanged', stream: 'ROOMS', subject: 'rooms.>', entity: { queryField: 'room', argument: 'id' } },
        {
          name: 'reservationStatusChanged',
          stream: 'RESERVATIONS',
          subject: 'reservations.>',
          entity: { queryField: 'reservation', argument: 'id' },
        },
        {
          name: 'paymentStatusChanged',
          stream: 'PAYMENTS',
          subject: 'payments.>',
          entity: { queryField: 'payment', argument: 'id' },
        },
        {
          name: 'dashboardUpdated',
          stream: 'DASHBOARD',
          subject: 'dashboard.>',
          entity: { queryField: 'roomDashboard', argument: 'roomId' },
        },
      ]),
    );
    expect(fields.get('roomChanged')!.entityIdOf({ room: { id: 'r1' } })).toBe('r1');
  });

  it("refuse callers by the field's own access directives", () => {
    const dashboard = fields.get('dashboardUpdated')!;
    expect(dashboard.refusal(anonymous)?.code).toBe('UNAUTHENTICATED');
    expect(dashboard.refusal(user('gus', ['GUEST']))?.code).toBe('FORBIDDEN');
    expect(dashboard.refusal(user('hana', ['HOST']))).toBeNull();
    expect(fields.get('reservationStatusChanged')!.refusal(anonymous)?.code).toBe('UNAUTHENTICATED');
    expect(fields.get('roomChanged')!.refusal(anonymous)).toBeNull();
  });

  it('filter events by their arguments and parties, on the event data', () => {
    const reservations = fields.get('reservationStatusChanged')!;
    const booked = event('reservationStatusChanged', {
      reservationId: 'x',
      roomId: 'r',
      guestId: 'gus',
      hostId: 'hana',
    });
    expect(reservations.matches(booked, { roomId: 'r' })).toBe(true);
    expect(reservations.matches(booked, { roomId: 'other' })).toBe(false);
    expect(reservations.matches(booked, { roomId: null, reservationId: 'x' })).toBe(true);
    expect(reservations.maySee(user('gus', ['GUEST']), booked)).toBe(true);
    expect(reservations.maySee(user('hana', ['HOST']), booked)).toBe(true);
    expect(reservations.maySee(user('eve', ['GUEST']), booked)).toBe(false);
    expect(reservations.maySee(user('root', ['ADMIN']), booked)).toBe(true);
    expect(fields.get('roomChanged')!.maySee(anonymous, event('roomChanged', { room: { id: 'r' } }))).toBe(true);
  });
});

it('serves a new subscription field from its SDL alone', () => {
  const subgraph = parse(`
    extend schema
      @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@authenticated", "@composeDirective"])
      @link(url: "https://roombook.dev/live/v0.1", import: ["@live"])
      @composeDirective(name: "@live")
    directive @live(stream: String!, subject: String!, query: String!, key: String!, filters: [String!], parties: [String!]) on FIELD_DEFINITION
    type Review @key(fields: "id") { id: ID! }
    type Query { review(id: ID!): Review }
    type Subscription {
      reviewPosted(roomId: ID): Review! @authenticated
        @live(stream: "REVIEWS", subject: "reviews.>", query: "review(id:)", key: "reviewId", filters: ["roomId=roomId"])
    }
  `);
  const composed = composeServices([{ name: 'review', url: 'http://review.invalid/graphql', typeDefs: subgraph }]);
  if (composed.errors) throw composed.errors[0];
  const declared = LiveFields.fromSupergraph(
    composed.supergraphSdl,
    AccessRules.fromSupergraph(composed.supergraphSdl),
  );
  const reviewPosted = declared.get('reviewPosted')!;
  expect(reviewPosted).toMatchObject({ stream: 'REVIEWS', entity: { queryField: 'review', argument: 'id' } });
  expect(reviewPosted.refusal(anonymous)?.code).toBe('UNAUTHENTICATED');
  expect(reviewPosted.matches(event('reviewPosted', { reviewId: 'v', roomId: 'r' }), { roomId: 'r' })).toBe(true);
});
