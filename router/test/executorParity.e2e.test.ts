/**
 * The router's executor answers as @apollo/gateway's own executor does: the same operations, as
 * the same callers, against the same running subgraphs, give the same data and the same errors
 * (message, path, code). Operations the caller may read whole: what authorization removes at the
 * router is its own test (authorization.e2e.test.ts).
 */
import { ApolloServer } from '@apollo/server';
import { DEV_SUBGRAPH_SECRET, InternalTokens, type Identity } from '@roombook/kernel';
import { Registry } from 'prom-client';
import { RESERVE, inDays, registerRoom, stay } from '../../test/support/booking';
import { startSystem, type TestSystem } from '../../test/support/system';
import { tokenFor } from '../../test/support/tokens';
import { UserAuthenticator } from '../src/authentication';
import { DEV_JWT_SECRET, configSchema } from '../src/config';
import { createGateway, type Gateway, type RouterContext } from '../src/gateway';
import { DEFAULT_SUPERGRAPH_PATH } from '../src/server';

let system: TestSystem;
let gateway: Gateway;
let apollo: ApolloServer<RouterContext>;
let host: string;
let guest: string;
let roomId: string;
let reservationId: string;
const authenticator = new UserAuthenticator({ secret: DEV_JWT_SECRET });

beforeAll(async () => {
  system = await startSystem(['room', 'payment', 'reservation', 'review', 'dashboard']);
  const config = configSchema.parse({
    SUBGRAPH_ROOM_URL: system.subgraph('room').url,
    SUBGRAPH_PAYMENT_URL: system.subgraph('payment').url,
    SUBGRAPH_RESERVATION_URL: system.subgraph('reservation').url,
    SUBGRAPH_REVIEW_URL: system.subgraph('review').url,
    SUBGRAPH_DASHBOARD_URL: system.subgraph('dashboard').url,
  });
  // @apollo/gateway with its own executor, through the router's subgraph client (identity tokens).
  gateway = createGateway(
    config,
    DEFAULT_SUPERGRAPH_PATH,
    new Registry(),
    new InternalTokens(DEV_SUBGRAPH_SECRET, 'router'),
  );
  apollo = new ApolloServer<RouterContext>({ gateway: gateway.gateway, stopOnTerminationSignals: false });
  await apollo.start();
  [host, guest] = await Promise.all([tokenFor('hana', ['HOST']), tokenFor('gus', ['GUEST'])]);
  roomId = await registerRoom(system, host, { name: 'Parity loft', city: `Parity-${Date.now()}` });
  const booked = await system.graphql(RESERVE, { input: stay(roomId, 20, 22) }, guest);
  expect(booked.errors).toBeUndefined();
  reservationId = (booked.data as { reserveRoom: { id: string } }).reserveRoom.id;
});
afterAll(async () => {
  await apollo?.stop();
  await gateway?.close();
  await system?.stop();
});

async function gatewayAnswer(query: string, variables: Record<string, unknown>, token?: string) {
  const identity: Identity = await authenticator.identify(token ? `Bearer ${token}` : undefined);
  const response = await apollo.executeOperation({ query, variables }, { contextValue: { identity } });
  if (response.body.kind !== 'single') throw new Error('incremental answer');
  return response.body.singleResult;
}

const comparable = (answer: {
  data?: unknown;
  errors?: readonly { message: string; path?: unknown; extensions?: { code?: unknown } }[];
}) => ({
  data: answer.data,
  errors: answer.errors?.map((error) => ({ message: error.message, path: error.path, code: error.extensions?.code })),
});

const ROOM_FIELDS = `id name city status pricePerNight { amount currency } reviewCount averageRating`;

const OPERATIONS: readonly [string, string, () => Record<string, unknown>, () => string | undefined][] = [
  [
    'a page of rooms with fields of another subgraph (@requires)',
    `query($city: String, $in: Date!, $out: Date!) {
      rooms(filter: { city: $city }, first: 5) { totalCount edges { cursor node { ${ROOM_FIELDS} isAvailable(checkIn: $in, checkOut: $out) } } pageInfo { hasNextPage } } }`,
    () => ({ city: null, in: inDays(20), out: inDays(21) }),
    () => undefined,
  ],
  [
    'aliases, fragments, __typename and @skip/@include',
    `query($id: ID!, $withReviews: Boolean!, $noName: Boolean!) {
      first: room(id: $id) { __typename ...Listing reviews(first: 3) @include(if: $withReviews) { totalCount } }
      second: room(id: $id) { label: name @skip(if: $noName) t: __typename }
      missing: room(id: "no-such-room") { id } __typename }
      fragment Listing on Room { id name pricePerNight { currency } }`,
    () => ({ id: roomId, withReviews: true, noName: false }),
    () => undefined,
  ],
  [
    'the same with the other branches',
    `query($id: ID!, $withReviews: Boolean!, $noName: Boolean!) {
      first: room(id: $id) { __typename ...Listing reviews(first: 3) @include(if: $withReviews) { totalCount } }
      second: room(id: $id) { label: name @skip(if: $noName) t: __typename } }
      fragment Listing on Room { id name pricePerNight { currency } }`,
    () => ({ id: roomId, withReviews: false, noName: true }),
    () => undefined,
  ],
  [
    // As the federation audit's abstract-types queries do: the condition's value is the default.
    "a variable's default value deciding an @include, the variable not sent",
    `query($id: ID!, $withReviews: Boolean = true, $noName: Boolean = false) {
      room(id: $id) { name @skip(if: $noName) reviews(first: 3) @include(if: $withReviews) { totalCount } } }`,
    () => ({ id: roomId }),
    () => undefined,
  ],
  [
    "a guest's reservations with their payments and rooms (entities across three subgraphs)",
    `{
      myReservations(first: 10) { totalCount edges { node { id status nights totalPrice { amount currency }
        payment { status amount { amount } } room { id name isAvailable(checkIn: "${inDays(20)}", checkOut: "${inDays(22)}") } } } } }`,
    () => ({}),
    () => guest,
  ],
  [
    "a reservation read by someone else: the subgraph's error, with its path",
    `query($id: ID!) { reservation(id: $id) { id status payment { status } } }`,
    () => ({ id: reservationId }),
    () => host,
  ],
  [
    "a host's dashboard",
    `query($id: ID!) { roomDashboard(roomId: $id) { roomId name reservationCounts { __typename } revenue { amount currency } room { name } } }`,
    () => ({ id: roomId }),
    () => host,
  ],
];

it.each(OPERATIONS)('%s', async (_what, query, variables, token) => {
  const [ours, theirs] = await Promise.all([
    system.graphql(query, variables(), token()),
    gatewayAnswer(query, variables(), token()),
  ]);
  expect(ours.data).toBeTruthy();
  expect(comparable(ours)).toEqual(comparable(theirs));
});
