import { readFileSync } from 'node:fs';
import { buildSchema } from 'graphql';
import { composeSupergraph, SUPERGRAPH_PATH } from './composition';
import { contractGaps, routerApiSchema } from './contractGaps';

describe('the supergraph', () => {
  it('is what composing the subgraphs gives now (run `npm run compose` after changing a schema.graphql)', () => {
    expect(readFileSync(SUPERGRAPH_PATH, 'utf8')).toBe(composeSupergraph());
  });

  it('serves a query, a mutation and a subscription root for every part of the system', () => {
    const api = routerApiSchema();
    for (const [root, fields] of [
      [
        api.getQueryType(),
        ['room', 'rooms', 'reservation', 'myReservations', 'payment', 'review', 'roomDashboard', 'dashboard'],
      ],
      [api.getMutationType(), ['registerRoom', 'reserveRoom', 'cancelReservation', 'writeReview', 'deleteReview']],
      [
        api.getSubscriptionType(),
        ['roomChanged', 'reservationStatusChanged', 'paymentStatusChanged', 'dashboardUpdated'],
      ],
    ] as const) {
      expect(Object.keys(root!.getFields())).toEqual(expect.arrayContaining([...fields]));
    }
  });
});

describe('checking the API against a contract (what `npm run check:contract` reports)', () => {
  const api = buildSchema(`
    enum Status { ACTIVE REMOVED }
    type Room { id: ID! name: String! status: Status! reviews(first: Int = 20): [String!]! extra: Int }
    type Query { room(id: ID!): Room }
  `);

  it('accepts an API that has everything of the contract, and more', () => {
    const contract = `enum Status { ACTIVE }  type Room { id: ID! reviews(first: Int = 20): [String!]! }  type Query { room(id: ID!): Room }`;
    expect(contractGaps(contract, api)).toEqual([]);
  });

  it('names every missing type, field and enum value, and every changed signature', () => {
    const contract = `
      enum Status { ACTIVE ARCHIVED }
      type Room { id: ID! name: String status: Status! reviews(first: Int = 10): [String!]! rating: Float }
      type Review { id: ID! }
      type Query { room(id: ID!): Room review(id: ID!): Review }
    `;
    expect(contractGaps(contract, api)).toEqual([
      'Status.ARCHIVED is missing',
      'Room.name is (): String!, the contract says (): String',
      'Room.reviews is (first: Int = 20): [String!]!, the contract says (first: Int = 10): [String!]!',
      'Room.rating is missing',
      'type Review is missing',
      'Query.review is missing',
    ]);
  });
});
