/**
 * The identity token the router sends a subgraph lives IDENTITY_TOKEN_LIFETIME_S. A request whose
 * plan runs longer than that must not have its later fetches refused: each fetch carries a token
 * valid when it is sent.
 */
import { RESERVATION_FIELDS, registerRoom, stay } from '../../test/support/booking';
import { startSystem, type TestSystem } from '../../test/support/system';
import { tokenFor } from '../../test/support/tokens';

const LIFETIME_S = 1;
// The payment provider answers after longer than a token lives, so reserveRoom (the plan's first
// fetch) outlives the token signed when the request came in.
const PAYMENT_LATENCY_MS = 2_500;
let system: TestSystem;

beforeAll(async () => {
  system = await startSystem(['room', 'payment', 'reservation'], {
    router: { IDENTITY_TOKEN_LIFETIME_S: String(LIFETIME_S) },
    subgraphs: {
      payment: { PAYMENT_LATENCY_MS: String(PAYMENT_LATENCY_MS) },
      reservation: { PAYMENT_TIMEOUT_MS: String(PAYMENT_LATENCY_MS * 4) },
    },
  });
});
afterAll(() => system.stop());

it('serves a plan whose later fetch is sent after the first token expired', async () => {
  const host = await tokenFor('hana', ['HOST']);
  const guest = await tokenFor('gus', ['GUEST']);
  const roomId = await registerRoom(system, host, { name: 'Slow loft' });
  const started = Date.now();
  const response = await system.graphql(
    `mutation($input: ReserveRoomInput!) { reserveRoom(input: $input) { ${RESERVATION_FIELDS} room { name } } }`,
    { input: stay(roomId, 30, 32) },
    guest,
  );
  // The room was fetched after the token signed at the start had expired.
  expect(Date.now() - started).toBeGreaterThan(LIFETIME_S * 1000 + 1000);
  expect(response.errors).toBeUndefined();
  expect(response.data?.reserveRoom).toMatchObject({ status: 'CONFIRMED', room: { name: 'Slow loft' } });
});
