import { buildSchema, parse } from 'graphql';
import { refusalOf, type OperationLimits } from '../src/queryCost';

// The shapes the cost rules read: a page (`first`), a stay (`checkIn`/`checkOut`), plain fields.
const schema = buildSchema(`
  scalar Date
  type Room { id: ID! name: String! isAvailable(checkIn: Date!, checkOut: Date!): Boolean! reviews(first: Int = 20): [Review!]! }
  type Review { id: ID! rating: Int! room: Room! }
  type Query { room(id: ID!): Room rooms(first: Int = 20): [Room!]! }
`);
const limits: OperationLimits = {
  MAX_QUERY_ALIASES: 15,
  MAX_ROOT_FIELDS: 10,
  MAX_QUERY_FIELDS: 250,
  MAX_QUERY_DIRECTIVES: 50,
  MAX_QUERY_COST: 5_000,
};
const refusal = (query: string, variables: Record<string, unknown> = {}) =>
  refusalOf(schema, parse(query), limits, variables)?.message;

describe('operation limits', () => {
  it('counts a stay per night, with dates given inline or as variables', () => {
    expect(refusal(`{ room(id: "r") { isAvailable(checkIn: "2027-01-01", checkOut: "2028-01-01") } }`)).toBeUndefined();
    // 1 + 20 × 365: twenty rooms for a year.
    expect(
      refusal(`query($in: Date!, $out: Date!) { rooms { isAvailable(checkIn: $in, checkOut: $out) } }`, {
        in: '2027-01-01',
        out: '2028-01-01',
      }),
    ).toBe('query refused: Cost limit of 5000 exceeded, estimated 7301 (MAX_QUERY_COST).');
  });

  it('counts a page once per item it may return, no more than the largest page', () => {
    // 1 + 100 × (1 + 1 + 20 × 2) = 4,201: twenty reviews of each of a hundred rooms.
    expect(refusal(`{ rooms(first: 100) { id reviews { id rating } } }`)).toBeUndefined();
    // 1 + 100 × (1 + 1 + 100 × 2) = 20,201: a hundred reviews each.
    expect(refusal(`{ rooms(first: 100) { id reviews(first: 100) { id rating } } }`)).toMatch(/estimated 20201 /);
    // The subgraph refuses a larger page with its own message; it costs as much as the largest one.
    expect(refusal(`{ rooms(first: 100000) { id reviews(first: 100) { id rating } } }`)).toMatch(/estimated 20201 /);
  });

  it('stops counting fragments spread inside fragments at the limit', () => {
    // 2^40 fields once every spread is expanded: counting them all would never end.
    const levels = Array.from(
      { length: 40 },
      (_, level) => `fragment F${level + 1} on Room { ...F${level} ...F${level} }`,
    ).join('\n');
    expect(refusal(`{ room(id: "r") { ...F40 } } fragment F0 on Room { id name } ${levels}`)).toBe(
      'query refused: Fields limit of 250 exceeded (MAX_QUERY_FIELDS).',
    );
  });
});
