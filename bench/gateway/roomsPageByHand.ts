/**
 * The least a gateway in Node can do for the roombook scenario's page of rooms: node:http, the
 * two subgraph fetches our router's plan makes (the same operations, over undici keep-alive pools,
 * with the identity token each subgraph requires), the answers parsed, the rooms joined with their
 * availability, the answer serialized. No GraphQL, planning, limits, authorization, metrics or
 * express: it answers this one query and nothing else. Beside the gateways, it tells how much of
 * their CPU per request any Node process answering this page over HTTP pays (the floor), and how
 * much is theirs. `node roomsPageByHand.js <port> <supergraphPath>`; BENCH_SUBGRAPH_HEADERS as
 * for plainGateway.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { Pool } from 'undici';

const ROOMS =
  'query Page__room__0($city:String!){rooms(filter:{city:$city}first:20){edges{node{__typename id name city capacity pricePerNight{amount currency}status}}}}';
const AVAILABILITY =
  'query Page__reservation__1($representations:[_Any!]!$checkIn:Date!$checkOut:Date!){_entities(representations:$representations){...on Room{isAvailable(checkIn:$checkIn checkOut:$checkOut)}}}';

interface Room {
  readonly __typename: string;
  readonly id: string;
  readonly name: string;
  readonly city: string;
  readonly capacity: number;
  readonly pricePerNight: unknown;
  readonly status: string;
}

/** Each subgraph's URL, as the supergraph names it (`@join__graph(name: "room", url: "…")`). */
function subgraphUrl(supergraph: string, name: string): URL {
  const match = new RegExp(`@join__graph\\(name: "${name}", url: "([^"]+)"\\)`).exec(supergraph);
  if (!match) throw new Error(`The supergraph names no ${name} subgraph`);
  return new URL(match[1]);
}

function client(supergraph: string, name: string, headers: Record<string, string>) {
  const url = subgraphUrl(supergraph, name);
  const pool = new Pool(url.origin);
  const sent = ['content-type', 'application/json', ...Object.entries(headers).flat()];
  return async (body: string): Promise<{ data?: Record<string, unknown>; errors?: unknown }> => {
    const answer = await pool.request({ method: 'POST', path: url.pathname, headers: sent, body });
    return (await answer.body.json()) as { data?: Record<string, unknown>; errors?: unknown };
  };
}

function main() {
  const [port, supergraphPath] = process.argv.slice(2);
  const supergraph = readFileSync(supergraphPath, 'utf8');
  const headers = JSON.parse(process.env.BENCH_SUBGRAPH_HEADERS ?? '{}') as Record<string, Record<string, string>>;
  const room = client(supergraph, 'room', headers.room ?? {});
  const reservation = client(supergraph, 'reservation', headers.reservation ?? {});

  const answer = async (body: string): Promise<unknown> => {
    const { variables } = JSON.parse(body) as { variables: { city: string; checkIn: string; checkOut: string } };
    const page = await room(
      JSON.stringify({ query: ROOMS, operationName: 'Page__room__0', variables: { city: variables.city } }),
    );
    if (page.errors || !page.data) return { errors: page.errors ?? [{ message: 'no rooms' }] };
    const rooms = (page.data.rooms as { edges: { node: Room }[] }).edges.map(({ node }) => node);
    const availability = await reservation(
      JSON.stringify({
        query: AVAILABILITY,
        operationName: 'Page__reservation__1',
        variables: {
          representations: rooms.map(({ __typename, id, status }) => ({ __typename, id, status })),
          checkIn: variables.checkIn,
          checkOut: variables.checkOut,
        },
      }),
    );
    if (availability.errors || !availability.data) return { errors: availability.errors ?? [{ message: 'none' }] };
    const entities = availability.data._entities as { isAvailable: boolean }[];
    return {
      data: {
        rooms: {
          edges: rooms.map(({ id, name, city, capacity, pricePerNight }, index) => ({
            node: { id, name, city, capacity, pricePerNight, isAvailable: entities[index].isAvailable },
          })),
        },
      },
    };
  };

  createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      void answer(Buffer.concat(chunks).toString())
        .catch((error: unknown) => ({ errors: [{ message: String(error) }] }))
        .then((result) => {
          response.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
          response.end(JSON.stringify(result));
        });
    });
  }).listen(Number(port), '127.0.0.1', () => console.log('ready'));
}

main();
