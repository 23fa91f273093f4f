/**
 * The router sends identical query fetches of one caller in flight at once only once, and
 * shares the answer. What a client must never notice: another caller's data, or a mutation
 * that happened fewer times than it was asked.
 */
import { RESERVE, registerRoom, stay } from '../../test/support/booking';
import { startSystem, type TestSystem } from '../../test/support/system';
import { tokenFor } from '../../test/support/tokens';

let system: TestSystem;
let host: string;

beforeAll(async () => {
  system = await startSystem(['room', 'payment', 'reservation']);
  host = await tokenFor('hana', ['HOST']);
});
afterAll(() => system.stop());

async function mergedFetches(): Promise<number> {
  const text = await (await fetch(system.routerUrl.replace(/\/graphql$/, '/metrics'))).text();
  return [...text.matchAll(/^subgraph_fetches_merged_total\{[^}]*\} (\d+)/gm)].reduce(
    (sum, [, value]) => sum + Number(value),
    0,
  );
}

const MINE = `{ myReservations(first: 10) { edges { node { id guestId room { id } } } } }`;

it("merges one caller's identical queries in flight, and never hands one caller another's answer", async () => {
  const roomId = await registerRoom(system, host);
  const guests = [`merge-ann-${Date.now()}`, `merge-bob-${Date.now()}`];
  const tokens = await Promise.all(guests.map((guest) => tokenFor(guest, ['GUEST'])));
  const booked = new Map<string, string>();
  for (const [index, token] of tokens.entries()) {
    const response = await system.graphql(RESERVE, { input: stay(roomId, 60 + index * 2, 61 + index * 2) }, token);
    expect(response.errors).toBeUndefined();
    booked.set(guests[index], response.data!.reserveRoom.id as string);
  }
  const before = await mergedFetches();

  // The same query text from both callers, 20 times each, all at once.
  const answers = await Promise.all(
    Array.from({ length: 40 }, (_, index) =>
      system.graphql(MINE, {}, tokens[index % 2]).then((response) => ({ guest: guests[index % 2], response })),
    ),
  );

  for (const { guest, response } of answers) {
    expect(response.errors).toBeUndefined();
    const reservations = response.data!.myReservations.edges.map(
      (edge: { node: { id: string; guestId: string } }) => edge.node,
    );
    expect(reservations).toEqual([{ id: booked.get(guest), guestId: guest, room: { id: roomId } }]);
  }
  expect(await mergedFetches()).toBeGreaterThan(before);
});

it('sends every one of identical mutations sent at once', async () => {
  const REGISTER = `mutation($input: RegisterRoomInput!) { registerRoom(input: $input) { id } }`;
  const input = { name: 'Twin', city: 'Nantes', capacity: 2, pricePerNight: { amount: 9_000, currency: 'EUR' } };
  const answers = await Promise.all(Array.from({ length: 5 }, () => system.graphql(REGISTER, { input }, host)));
  const ids = answers.map((response) => {
    expect(response.errors).toBeUndefined();
    return response.data!.registerRoom.id as string;
  });
  expect(new Set(ids).size).toBe(5);
});
