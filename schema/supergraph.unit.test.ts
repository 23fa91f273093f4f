import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Supergraph } from '@apollo/federation-internals';
import {
  buildSchema,
  isInputObjectType,
  isObjectType,
  type GraphQLField,
  type GraphQLInputField,
  type GraphQLNamedType,
  type GraphQLSchema,
} from 'graphql';
import { SUBGRAPHS } from '../subgraphs/catalog';
import { composeSupergraph, SUPERGRAPH_PATH } from './composition';

const CONTRACT_PATH = join(__dirname, '..', '..', 'shared', 'contract', 'api.graphql');

/**
 * Which subgraph owns each part of the contract (ARCHITECTURE.md). A part may be missing from the
 * router's API only while its owner is not in the catalog yet; once it joins, the part must be there.
 */
const OWNERS: Record<string, readonly string[]> = {
  room: [
    'DateTime',
    'Money',
    'MoneyInput',
    'PageInfo',
    'RoomStatus',
    'Room',
    'RoomEdge',
    'RoomConnection',
    'RoomFilter',
    'RegisterRoomInput',
    'UpdateRoomInput',
    'Query.room',
    'Query.rooms',
    'Mutation.registerRoom',
    'Mutation.updateRoom',
    'Mutation.removeRoom',
    'Subscription.roomChanged',
  ],
  reservation: [
    'Date',
    'ReservationStatus',
    'ReservationStatusChange',
    'Reservation',
    'ReservationEdge',
    'ReservationConnection',
    'PaymentMethodInput',
    'ReserveRoomInput',
    'Room.isAvailable',
    'Query.reservation',
    'Query.myReservations',
    'Mutation.reserveRoom',
    'Mutation.cancelReservation',
    'Subscription.reservationStatusChanged',
  ],
  payment: ['PaymentStatus', 'Payment', 'Reservation.payment', 'Query.payment', 'Subscription.paymentStatusChanged'],
  review: [
    'Review',
    'ReviewEdge',
    'ReviewConnection',
    'WriteReviewInput',
    'Room.reviews',
    'Room.reviewCount',
    'Room.averageRating',
    'Query.review',
    'Mutation.writeReview',
    'Mutation.deleteReview',
  ],
  dashboard: [
    'ReservationCounts',
    'RoomDashboard',
    'RoomDashboardEdge',
    'RoomDashboardConnection',
    'DashboardFilter',
    'Room.dashboard',
    'Query.roomDashboard',
    'Query.dashboard',
    'Subscription.dashboardUpdated',
  ],
};

function ownerOf(typeName: string, fieldName?: string): string {
  const entry = fieldName ? `${typeName}.${fieldName}` : typeName;
  const owner = Object.entries(OWNERS).find(
    ([, parts]) =>
      parts.includes(entry) || (fieldName !== undefined && parts.includes(typeName) && !isClaimedField(entry)),
  );
  if (!owner) throw new Error(`The ownership table has no owner for ${entry}`);
  return owner[0];
}

function isClaimedField(entry: string): boolean {
  return Object.values(OWNERS).some((parts) => parts.includes(entry));
}

function routerApiSchema(): GraphQLSchema {
  return Supergraph.build(readFileSync(SUPERGRAPH_PATH, 'utf8')).apiSchema().toGraphQLJSSchema();
}

function signature(field: GraphQLField<unknown, unknown> | GraphQLInputField): string {
  const args =
    'args' in field
      ? field.args.map((arg) => `${arg.name}: ${String(arg.type)} = ${JSON.stringify(arg.defaultValue)}`)
      : [];
  return `(${args.join(', ')}): ${String(field.type)}`;
}

/** Every difference between the contract and the API, as "<owner>: <what>". */
function contractGaps(api: GraphQLSchema): string[] {
  const contract = buildSchema(readFileSync(CONTRACT_PATH, 'utf8'));
  const gaps: string[] = [];
  for (const type of Object.values(contract.getTypeMap()).filter((t: GraphQLNamedType) => !t.name.startsWith('__'))) {
    if (['String', 'Int', 'Float', 'Boolean', 'ID'].includes(type.name)) continue;
    const ours = api.getType(type.name);
    if (!ours) {
      gaps.push(`${ownerOf(type.name)}: type ${type.name} is missing`);
      continue;
    }
    if (!(isObjectType(type) || isInputObjectType(type))) continue;
    const ourFields = (ours as typeof type).getFields();
    for (const field of Object.values(type.getFields())) {
      const ourField = ourFields[field.name];
      if (!ourField) gaps.push(`${ownerOf(type.name, field.name)}: ${type.name}.${field.name} is missing`);
      else if (signature(ourField) !== signature(field)) {
        gaps.push(
          `${ownerOf(type.name, field.name)}: ${type.name}.${field.name} is ${signature(ourField)}, the contract says ${signature(field)}`,
        );
      }
    }
  }
  return gaps;
}

describe('the supergraph', () => {
  it('is what composing the subgraphs gives now (run `npm run compose` after changing a schema.graphql)', () => {
    expect(readFileSync(SUPERGRAPH_PATH, 'utf8')).toBe(composeSupergraph());
  });

  it('serves everything of the contract that its subgraphs own, exactly as the contract writes it', () => {
    const built = new Set(SUBGRAPHS.map(({ name }) => name));
    const gaps = contractGaps(routerApiSchema());
    expect(gaps.filter((gap) => built.has(gap.split(':')[0]))).toEqual([]);
  });
});
