/**
 * The warm-up's stand-in subgraph answers the planner's fetches (root fields, and `_entities` for
 * representations) over HTTP with data of the right shape, as a real subgraph would, and a fetch
 * it cannot read with `data: null`.
 */
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { closeServer, listenOnLoopback } from '@roombook/kernel';
import { OperationPlans } from '../src/execution/operationPlans';
import { supergraphForPlanning } from '../src/gateway';
import { DEFAULT_SUPERGRAPH_PATH } from '../src/server';
import { standInSubgraph } from '../src/warmingUp/standInSubgraph';

let standIn: { readonly server: Server; fetches(): number };
let url: string;

beforeAll(async () => {
  const plans = new OperationPlans(supergraphForPlanning(readFileSync(DEFAULT_SUPERGRAPH_PATH, 'utf8')));
  standIn = standInSubgraph(plans.supergraphSchema);
  url = `http://127.0.0.1:${await listenOnLoopback(standIn.server)}/graphql`;
});
afterAll(() => closeServer(standIn.server));

async function fetchOf(body: string): Promise<unknown> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  return response.json();
}

const id = expect.any(String);

test('a root fetch gets every selected field, lists non-empty and enums valid', async () => {
  const answer = await fetchOf(
    JSON.stringify({
      query: `query RoomsForStay__room__0($filter:RoomFilter){rooms(filter:$filter first:50){totalCount edges{node{__typename id name capacity pricePerNight{amount currency}status}}}}`,
      variables: {},
    }),
  );
  const room = {
    __typename: 'Room',
    id,
    name: expect.any(String),
    capacity: expect.any(Number),
    pricePerNight: { amount: expect.any(Number), currency: expect.any(String) },
    status: 'ACTIVE',
  };
  expect(answer).toEqual({
    data: { rooms: { totalCount: expect.any(Number), edges: [{ node: room }, { node: room }] } },
  });
});

test('an _entities fetch gets one entity of its type per representation, custom scalars shaped as the real ones', async () => {
  const answer = await fetchOf(
    JSON.stringify({
      query: `query RoomPage__review__2($representations:[_Any!]!){_entities(representations:$representations){...on Room{__typename averageRating reviews(first:20){edges{node{id rating createdAt}}}}}}`,
      variables: {
        representations: [
          { __typename: 'Room', id: 'a' },
          { __typename: 'Room', id: 'b' },
        ],
      },
    }),
  );
  const node = { id, rating: expect.any(Number), createdAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/) };
  const room = { __typename: 'Room', averageRating: expect.any(Number), reviews: { edges: [{ node }, { node }] } };
  expect(answer).toEqual({ data: { _entities: [room, room] } });
});

test('a mutation fetch is answered as a query is', async () => {
  const answer = await fetchOf(
    JSON.stringify({
      query: `mutation ReserveRoom__reservation__0($input:ReserveRoomInput!){reserveRoom(input:$input){id status checkIn}}`,
      variables: {
        input: { roomId: 'r', checkIn: '2030-01-01', checkOut: '2030-01-03', guests: 1, paymentMethod: { token: 't' } },
      },
    }),
  );
  expect(answer).toEqual({ data: { reserveRoom: { id, status: 'PENDING', checkIn: '2030-01-01' } } });
});

test('a fetch it cannot read gets data: null, and every fetch is counted', async () => {
  const before = standIn.fetches();
  expect(await fetchOf('{"query": "query {')).toEqual({ data: null });
  expect(await fetchOf('not json')).toEqual({ data: null });
  expect(standIn.fetches()).toBe(before + 2);
});
