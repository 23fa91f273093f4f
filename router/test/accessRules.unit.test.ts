import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { composeServices } from '@apollo/composition';
import { ROUTER_SUPPORTED_SUPERGRAPH_FEATURES, Supergraph } from '@apollo/federation-internals';
import { parse, type GraphQLSchema } from 'graphql';
import { AccessRules } from '../src/authorization/accessRules';
import { supergraphForPlanning } from '../src/gateway';

const SUPERGRAPH = readFileSync(join(__dirname, '..', '..', 'schema', 'supergraph.graphql'), 'utf8');

function apiSchemaOf(supergraphSdl: string): GraphQLSchema {
  return Supergraph.build(supergraphSdl, { supportedFeatures: ROUTER_SUPPORTED_SUPERGRAPH_FEATURES })
    .apiSchema()
    .toGraphQLJSSchema();
}

describe('AccessRules of the checked-in supergraph', () => {
  const rules = AccessRules.fromSupergraph(SUPERGRAPH);
  const schema = apiSchemaOf(SUPERGRAPH);

  it('reads each rule where the owning subgraph declared it', () => {
    expect(rules.ofField('Query', 'reservation')).toEqual([{ kind: 'authenticated' }]);
    expect(rules.ofField('Mutation', 'registerRoom')).toEqual([{ kind: 'requiresScopes', scopes: [['HOST']] }]);
    expect(rules.ofField('Query', 'dashboard')).toEqual([{ kind: 'requiresScopes', scopes: [['HOST'], ['ADMIN']] }]);
    expect(rules.ofType('Reservation')).toEqual([{ kind: 'restricted', to: "its guest, the room's host and ADMIN" }]);
    expect(rules.ofField('Query', 'rooms')).toEqual([]);
    expect(rules.ofField('Subscription', 'roomChanged')).toEqual([]);
  });

  it('tells a selection anyone may read from one that reads something caller-dependent', () => {
    const dependent = (operation: string) => rules.readsCallerDependent(schema, parse(operation));
    expect(dependent('subscription { roomChanged { id name pricePerNight { amount currency } reviewCount } }')).toBe(
      false,
    );
    expect(dependent('query { rooms { edges { node { id reviews { edges { node { rating } } } } } } }')).toBe(false);
    // Room.dashboard returns a RoomDashboard, whose rows only their host and ADMIN see.
    expect(dependent('subscription { roomChanged { id dashboard { revenue { amount } } } }')).toBe(true);
    expect(dependent('query ($id: ID!) { reservation(id: $id) { id } }')).toBe(true);
    // Through a fragment, as through a field.
    expect(dependent('query { room(id: "r") { ...Row } } fragment Row on Room { dashboard { name } }')).toBe(true);
  });
});

describe('AccessRules of a supergraph using every kind', () => {
  const subgraph = parse(`
    extend schema
      @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@policy", "@composeDirective"])
      @link(url: "https://roombook.dev/access/v0.1", import: ["@restricted"])
      @composeDirective(name: "@restricted")
    directive @restricted(to: String!) on FIELD_DEFINITION | OBJECT
    interface Listing { id: ID! }
    type Open implements Listing @key(fields: "id") { id: ID! }
    type Private implements Listing @key(fields: "id") @restricted(to: "its owner") { id: ID! }
    type Query {
      listings: [Listing!]!
      audit: String @policy(policies: [["operator"], ["auditor", "onDuty"]])
    }
  `);
  const composed = composeServices([{ name: 'listing', url: 'http://listing.invalid/graphql', typeDefs: subgraph }]);
  if (composed.errors) throw composed.errors[0];
  const rules = AccessRules.fromSupergraph(composed.supergraphSdl);

  it('reads @policy with its sets of policies', () => {
    expect(rules.ofField('Query', 'audit')).toEqual([
      { kind: 'policy', policies: [['operator'], ['auditor', 'onDuty']] },
    ]);
  });

  it('counts an interface as caller-dependent when one of its implementations is', () => {
    const schema = apiSchemaOf(composed.supergraphSdl);
    expect(rules.readsCallerDependent(schema, parse('{ listings { id } }'))).toBe(true);
  });
});

describe('supergraphForPlanning', () => {
  it('hands the gateway the SECURITY features as plain links, and the rest unchanged', () => {
    const planned = supergraphForPlanning(SUPERGRAPH);
    expect(SUPERGRAPH).toContain('@link(url: "https://specs.apollo.dev/authenticated/v0.1", for: SECURITY)');
    expect(planned).toContain('@link(url: "https://specs.apollo.dev/authenticated/v0.1")');
    expect(planned).not.toContain('for: SECURITY');
    expect(planned).toContain('@link(url: "https://specs.apollo.dev/join/v0.4", for: EXECUTION)');
    // What the gateway builds from it is the supergraph the rules were read from, without the purposes.
    expect(() => Supergraph.build(planned)).not.toThrow();
  });

  it('leaves a supergraph without SECURITY features as it is', () => {
    const plain = SUPERGRAPH.replace(/\n {2}@link\([^)]*for: SECURITY\)/g, '');
    expect(supergraphForPlanning(plain)).toBe(plain);
  });
});
