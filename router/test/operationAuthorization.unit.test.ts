import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROUTER_SUPPORTED_SUPERGRAPH_FEATURES, Supergraph } from '@apollo/federation-internals';
import { ANONYMOUS, type Identity, type UserRole } from '@roombook/kernel';
import { parse, print, validate } from 'graphql';
import { AccessRules } from '../src/authorization/accessRules';
import { authorizeOperation } from '../src/authorization/operationAuthorization';
import { assertPoliciesKnown } from '../src/authorization/policies';

const SUPERGRAPH = readFileSync(join(__dirname, '..', '..', 'schema', 'supergraph.graphql'), 'utf8');
const rules = AccessRules.fromSupergraph(SUPERGRAPH);
const schema = Supergraph.build(SUPERGRAPH, { supportedFeatures: ROUTER_SUPPORTED_SUPERGRAPH_FEATURES })
  .apiSchema()
  .toGraphQLJSSchema();

const user = (...roles: UserRole[]): Identity => ({ kind: 'user', userId: 'u1', roles });

function authorize(operation: string, identity: Identity, variables: Record<string, unknown> = {}) {
  const document = parse(operation);
  expect(validate(schema, document)).toEqual([]);
  const result = authorizeOperation(rules, schema, document, undefined, variables, identity);
  // What is left is a valid operation the gateway can plan.
  expect(validate(schema, result.document)).toEqual([]);
  return {
    text: print(result.document).replace(/\s+/g, ' '),
    errors: result.errors.map((error) => ({ message: error.message, path: error.path, code: error.extensions.code })),
    same: result.document === document,
  };
}

it('removes an @authenticated field for an anonymous caller, with one UNAUTHENTICATED error at its path', () => {
  const result = authorize('{ room(id: "r1") { id name } mine: reservation(id: "x") { id status } }', ANONYMOUS);
  expect(result.text).toBe('{ room(id: "r1") { id name } }');
  expect(result.errors).toEqual([
    {
      message: 'Query.reservation: only signed-in callers may read it (@authenticated)',
      path: ['mine'],
      code: 'UNAUTHENTICATED',
    },
  ]);
});

it('judges @requiresScopes by the roles of the token: FORBIDDEN when signed in without them', () => {
  const query = '{ room(id: "r1") { id } roomDashboard(roomId: "r1") { name } }';
  expect(authorize(query, user('GUEST')).errors).toEqual([
    {
      message: 'Query.roomDashboard: it requires the role HOST or ADMIN (@requiresScopes)',
      path: ['roomDashboard'],
      code: 'FORBIDDEN',
    },
  ]);
  expect(authorize(query, ANONYMOUS).errors.map((error) => error.code)).toEqual(['UNAUTHENTICATED']);
  expect(authorize(query, user('HOST')).same).toBe(true);
});

it('evaluates a @policy by its name: platformOperator is an ADMIN', () => {
  const query = '{ dashboardProjection { activeVersion buildingVersion } rooms(first: 1) { edges { node { id } } } }';
  expect(authorize(query, user('HOST', 'GUEST')).errors).toEqual([
    {
      message: 'Query.dashboardProjection: it requires the policy platformOperator (@policy)',
      path: ['dashboardProjection'],
      code: 'FORBIDDEN',
    },
  ]);
  expect(authorize(query, user('ADMIN')).same).toBe(true);
});

it('finds fields inside fragments, with the path of each place they are spread', () => {
  const result = authorize(
    `query { a: room(id: "1") { ...Reviewed } b: room(id: "2") { ... on Room { id } } ...Private }
     fragment Reviewed on Room { id reviewCount }
     fragment Private on Query { reservation(id: "x") { id } payment(id: "y") { id } }`,
    ANONYMOUS,
  );
  expect(result.errors.map((error) => error.path)).toEqual([['reservation'], ['payment']]);
  expect(result.text).toContain('fragment Private on Query { __typename }');
});

it('drops the variables and fragments only removed fields used', () => {
  const result = authorize(
    'query($id: ID!, $room: ID!) { room(id: $room) { id } reservation(id: $id) { ...Mine } } fragment Mine on Reservation { id }',
    ANONYMOUS,
    { id: 'x', room: 'r' },
  );
  expect(result.text).toBe('query ($room: ID!) { room(id: $room) { id } }');
});

it('keeps the operation valid when every field of a selection is removed', () => {
  const result = authorize('{ reservation(id: "x") { id } }', ANONYMOUS);
  expect(result.text).toBe('{ __typename }');
  expect(result.errors).toHaveLength(1);
});

it('does not judge a field @skip or @include leaves out', () => {
  const query = 'query($mine: Boolean!) { room(id: "1") { id } reservation(id: "x") @include(if: $mine) { id } }';
  expect(authorize(query, ANONYMOUS, { mine: false }).same).toBe(true);
  expect(authorize(query, ANONYMOUS, { mine: true }).errors).toHaveLength(1);
});

it('leaves rules that depend on the data (@restricted) to the subgraphs', () => {
  // Reservation is @restricted (its guest, the room's host, ADMIN): any signed-in caller may ask.
  expect(authorize('{ reservation(id: "x") { id guestId } }', user('GUEST')).same).toBe(true);
});

it('knows every policy the checked-in supergraph names, and refuses to start with an unknown one', () => {
  expect(rules.policyNames()).toEqual(new Set(['platformOperator']));
  expect(() => assertPoliciesKnown(rules.policyNames())).not.toThrow();
  expect(() => assertPoliciesKnown(new Set(['onCall']))).toThrow(/@policy onCall, which the router does not know/);
});

it('judges each request of one parsed document (the router keeps documents parsed) by its own caller and variables', () => {
  const document = parse(
    `query($mine: Boolean!) { rooms(first: 1) { edges { node { id name } } } ...Mine }
     fragment Mine on Query { reservation(id: "x") @include(if: $mine) { id } }`,
  );
  const codes = (identity: Identity, mine: boolean) =>
    authorizeOperation(rules, schema, document, undefined, { mine }, identity).errors.map(
      (error) => error.extensions.code,
    );
  expect(codes(user('GUEST'), true)).toEqual([]);
  expect(codes(ANONYMOUS, false)).toEqual([]);
  expect(codes(ANONYMOUS, true)).toEqual(['UNAUTHENTICATED']);
  expect(codes(user('GUEST'), true)).toEqual([]);
  // An operation reading no guarded field is answered as sent, for anyone.
  const open = parse('{ rooms(first: 2) { edges { node { id name pricePerNight { amount } } } } }');
  for (const identity of [ANONYMOUS, user('GUEST'), user('ADMIN')]) {
    const result = authorizeOperation(rules, schema, open, undefined, {}, identity);
    expect(result).toMatchObject({ document: open, errors: [] });
    expect(result.removed.size).toBe(0);
  }
});
