import { startSystem, type TestSystem } from '../../../test/support/system';
import { errorCodes, type GraphQLResponse } from '../../../test/support/graphqlClient';
import { tokenFor } from '../../../test/support/tokens';

const ROOM_FIELDS = `id hostId name description city capacity pricePerNight { amount currency } amenities status createdAt updatedAt`;
const REGISTER = `mutation($input: RegisterRoomInput!) { registerRoom(input: $input) { ${ROOM_FIELDS} } }`;
const UPDATE = `mutation($id: ID!, $input: UpdateRoomInput!) { updateRoom(id: $id, input: $input) { ${ROOM_FIELDS} } }`;
const REMOVE = `mutation($id: ID!) { removeRoom(id: $id) { id status updatedAt } }`;
const ROOM = `query($id: ID!) { room(id: $id) { ${ROOM_FIELDS} } }`;
const ROOMS = `query($filter: RoomFilter, $first: Int, $after: String) {
  rooms(filter: $filter, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id name city capacity hostId status } }
  }
}`;

let system: TestSystem;
let hana: string; // HOST
let omar: string; // another HOST
let ada: string; // ADMIN
let gus: string; // GUEST

const listing = (overrides: Record<string, unknown> = {}) => ({
  name: 'Loft by the river',
  city: 'Lisbon',
  capacity: 2,
  pricePerNight: { amount: 12000, currency: 'EUR' },
  amenities: ['wifi'],
  ...overrides,
});

async function register(token: string, overrides: Record<string, unknown> = {}) {
  const response = await system.graphql(REGISTER, { input: listing(overrides) }, token);
  expect(response.errors).toBeUndefined();
  return response.data!.registerRoom as { id: string; hostId: string; updatedAt: string };
}

beforeAll(async () => {
  system = await startSystem(['room']);
  [hana, omar, ada, gus] = await Promise.all([
    tokenFor('hana', ['HOST']),
    tokenFor('omar', ['HOST', 'GUEST']),
    tokenFor('ada', ['ADMIN']),
    tokenFor('gus', ['GUEST']),
  ]);
});

afterAll(() => system.stop());

describe('registerRoom', () => {
  it('registers a room whose host is the caller, readable by anyone', async () => {
    const room = await register(hana, { name: '  Sea view  ', description: 'Bright' });
    expect(room).toMatchObject({
      hostId: 'hana',
      name: 'Sea view',
      description: 'Bright',
      city: 'Lisbon',
      capacity: 2,
      pricePerNight: { amount: 12000, currency: 'EUR' },
      amenities: ['wifi'],
      status: 'ACTIVE',
    });
    const read = await system.graphql(ROOM, { id: room.id });
    expect(read.data?.room).toEqual(room);
  });

  it('needs a token and the HOST role', async () => {
    expect(errorCodes(await system.graphql(REGISTER, { input: listing() }))).toEqual(['UNAUTHENTICATED']);
    expect(errorCodes(await system.graphql(REGISTER, { input: listing() }, gus))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await system.graphql(REGISTER, { input: listing() }, ada))).toEqual(['FORBIDDEN']);
  });

  it.each([
    ['input.name', { name: ' ' }],
    ['input.name', { name: 'n'.repeat(121) }],
    ['input.description', { description: 'd'.repeat(2001) }],
    ['input.city', { city: '' }],
    ['input.city', { city: 'c'.repeat(81) }],
    ['input.capacity', { capacity: 0 }],
    ['input.capacity', { capacity: 51 }],
    ['input.pricePerNight.amount', { pricePerNight: { amount: -1, currency: 'EUR' } }],
    ['input.pricePerNight.currency', { pricePerNight: { amount: 100, currency: 'EURO' } }],
    ['input.amenities', { amenities: Array.from({ length: 51 }, (_, i) => `amenity ${i}`) }],
    ['input.amenities.0', { amenities: [''] }],
  ])('rejects a bad %s with BAD_USER_INPUT naming the field', async (field, override) => {
    const response = await system.graphql(REGISTER, { input: listing(override) }, hana);
    expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
    expect(response.errors![0].message).toMatch(new RegExp(`^${field.replace(/\./g, '\\.')} `));
    expect(response.errors![0].extensions?.field).toBe(field);
  });
});

describe('updateRoom and removeRoom', () => {
  it('lets the host change the listing', async () => {
    const room = await register(hana);
    const response = await system.graphql(
      UPDATE,
      { id: room.id, input: { capacity: 4, amenities: ['wifi', 'desk'] } },
      hana,
    );
    expect(response.data?.updateRoom).toMatchObject({
      capacity: 4,
      amenities: ['wifi', 'desk'],
      name: 'Loft by the river',
    });
    expect(Date.parse(response.data?.updateRoom.updatedAt)).toBeGreaterThanOrEqual(Date.parse(room.updatedAt));
  });

  it('lets an ADMIN change any room but not another host', async () => {
    const room = await register(hana);
    expect(errorCodes(await system.graphql(UPDATE, { id: room.id, input: { capacity: 3 } }, omar))).toEqual([
      'FORBIDDEN',
    ]);
    expect(errorCodes(await system.graphql(REMOVE, { id: room.id }, omar))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await system.graphql(REMOVE, { id: room.id }))).toEqual(['UNAUTHENTICATED']);
    const byAdmin = await system.graphql(UPDATE, { id: room.id, input: { capacity: 3 } }, ada);
    expect(byAdmin.data?.updateRoom.capacity).toBe(3);
  });

  it('validates updates like registrations, and null only clears the description', async () => {
    const room = await register(hana, { description: 'old' });
    const bad = await system.graphql(UPDATE, { id: room.id, input: { capacity: 99 } }, hana);
    expect(errorCodes(bad)).toEqual(['BAD_USER_INPUT']);
    expect(bad.errors![0].message).toMatch(/^input\.capacity /);
    const nullName = await system.graphql(UPDATE, { id: room.id, input: { name: null } }, hana);
    expect(nullName.errors![0]).toMatchObject({
      message: 'input.name cannot be null',
      extensions: { code: 'BAD_USER_INPUT' },
    });
    const cleared = await system.graphql(UPDATE, { id: room.id, input: { description: null } }, hana);
    expect(cleared.data?.updateRoom.description).toBeNull();
  });

  it('answers NOT_FOUND for a room that does not exist', async () => {
    expect(errorCodes(await system.graphql(UPDATE, { id: 'nope', input: { capacity: 2 } }, hana))).toEqual([
      'NOT_FOUND',
    ]);
    expect(errorCodes(await system.graphql(REMOVE, { id: '000000000000000000000000' }, ada))).toEqual(['NOT_FOUND']);
  });

  it('removes a room: REMOVED, no longer updatable, removing again returns it unchanged', async () => {
    const room = await register(hana);
    const removed = await system.graphql(REMOVE, { id: room.id }, hana);
    expect(removed.data?.removeRoom.status).toBe('REMOVED');
    const again = await system.graphql(REMOVE, { id: room.id }, hana);
    expect(again.data?.removeRoom).toEqual(removed.data?.removeRoom);
    expect(errorCodes(await system.graphql(UPDATE, { id: room.id, input: { capacity: 3 } }, hana))).toEqual([
      'INVALID_STATE',
    ]);
    expect((await system.graphql(ROOM, { id: room.id })).data?.room.status).toBe('REMOVED');
  });
});

describe('room and rooms', () => {
  it('returns null for a missing room', async () => {
    const response = await system.graphql(ROOM, { id: 'no-such-room' });
    expect(response.errors).toBeUndefined();
    expect(response.data?.room).toBeNull();
  });

  it('filters by city (ignoring case), host, capacity and status (ACTIVE by default)', async () => {
    const city = `Porto-${Date.now()}`;
    const small = await register(omar, { city, capacity: 1 });
    const large = await register(omar, { city, capacity: 6 });
    const removed = await register(omar, { city, capacity: 6 });
    await system.graphql(REMOVE, { id: removed.id }, omar);

    const ids = async (filter: Record<string, unknown>) => {
      const response = await system.graphql(ROOMS, { filter, first: 50 });
      expect(response.errors).toBeUndefined();
      return response.data!.rooms.edges.map((edge: { node: { id: string } }) => edge.node.id);
    };
    expect(await ids({ city: city.toUpperCase() })).toEqual([small.id, large.id]);
    expect(await ids({ city, minCapacity: 2 })).toEqual([large.id]);
    expect(await ids({ city, status: 'REMOVED' })).toEqual([removed.id]);
    expect(await ids({ city, hostId: 'hana' })).toEqual([]);
    const byHost = await ids({ hostId: 'omar' });
    expect(byHost).toEqual(expect.arrayContaining([small.id, large.id]));
    expect(byHost).not.toContain(removed.id);
  });

  it('pages with cursors and counts the whole result', async () => {
    const city = `Faro-${Date.now()}`;
    const registered: string[] = [];
    for (let i = 0; i < 5; i += 1) registered.push((await register(hana, { city, name: `Room ${i}` })).id);

    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    do {
      const response: GraphQLResponse = await system.graphql(ROOMS, { filter: { city }, first: 2, after });
      const { edges, pageInfo, totalCount } = response.data!.rooms;
      expect(totalCount).toBe(5);
      seen.push(...edges.map((edge: { node: { id: string } }) => edge.node.id));
      after = pageInfo.hasNextPage ? pageInfo.endCursor : null;
      pages += 1;
    } while (after);
    expect(pages).toBe(3);
    expect(seen).toEqual(registered);
  });

  it('rejects a page size out of range and a forged cursor', async () => {
    const tooMany = await system.graphql(ROOMS, { first: 101 });
    expect(errorCodes(tooMany)).toEqual(['BAD_USER_INPUT']);
    expect(tooMany.errors![0].message).toMatch(/^first /);
    const forged = await system.graphql(ROOMS, { after: 'not a cursor!' });
    expect(errorCodes(forged)).toEqual(['BAD_USER_INPUT']);
    expect(forged.errors![0].message).toMatch(/^after /);
  });
});
