import {
  AuthenticatedSpecDefinition,
  PolicySpecDefinition,
  RequiresScopesSpecDefinition,
  ROUTER_SUPPORTED_SUPERGRAPH_FEATURES,
  Supergraph,
  type CoreFeatures,
  type FieldDefinition,
  type InterfaceType,
  type NamedType,
  type ObjectType,
} from '@apollo/federation-internals';
import {
  Kind,
  TypeInfo,
  getNamedType,
  isAbstractType,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
  type GraphQLNamedType,
  type GraphQLSchema,
} from 'graphql';

/** Our own link for the one access rule federation has no directive for (see the subgraphs' SDL). */
export const ACCESS_SPEC_IDENTITY = 'https://roombook.dev/access';

/**
 * Who may read a type or field, as the subgraph that owns it declares in its SDL:
 * - `authenticated`: any signed-in caller;
 * - `requiresScopes`: a caller holding every scope of at least one of the sets (scopes are the token's roles);
 * - `policy`: every policy of at least one of the sets holds (named rules the router evaluates);
 * - `restricted`: the data decides (whose reservation, whose room); the owning subgraph checks it.
 */
export type AccessRule =
  | { readonly kind: 'authenticated' }
  | { readonly kind: 'requiresScopes'; readonly scopes: readonly (readonly string[])[] }
  | { readonly kind: 'policy'; readonly policies: readonly (readonly string[])[] }
  | { readonly kind: 'restricted'; readonly to: string };

const NONE: readonly AccessRule[] = [];

/**
 * The access rules of the supergraph, read once from its SDL: the one place the router learns who
 * may see what. Authorization enforces the first three kinds before planning; subscriptions use
 * `readsCallerDependent` to know which subscribers may share one resolution of an event.
 */
export class AccessRules {
  private constructor(
    private readonly types: ReadonlyMap<string, readonly AccessRule[]>,
    private readonly fields: ReadonlyMap<string, readonly AccessRule[]>,
  ) {}

  static fromSupergraph(supergraphSdl: string): AccessRules {
    // The router enforces the SECURITY features, so it may build the supergraph that declares them.
    const { schema } = Supergraph.build(supergraphSdl, { supportedFeatures: ROUTER_SUPPORTED_SUPERGRAPH_FEATURES });
    const read = ruleReader(schema.coreFeatures);
    const types = new Map<string, readonly AccessRule[]>();
    const fields = new Map<string, readonly AccessRule[]>();
    for (const type of schema.types()) {
      const own = read(type);
      if (own.length > 0) types.set(type.name, own);
      for (const field of fieldsOf(type)) {
        const rules = read(field);
        if (rules.length > 0) fields.set(`${type.name}.${field.name}`, rules);
      }
    }
    return new AccessRules(types, fields);
  }

  /** The rules declared on a type (they hold wherever a value of it is read). */
  ofType(typeName: string): readonly AccessRule[] {
    return this.types.get(typeName) ?? NONE;
  }

  /** The rules declared on one field of a type (not those of the type it returns). */
  ofField(typeName: string, fieldName: string): readonly AccessRule[] {
    return this.fields.get(`${typeName}.${fieldName}`) ?? NONE;
  }

  /** Every policy some `@policy` names: each must be one the router knows (see policies.ts). */
  policyNames(): ReadonlySet<string> {
    const names = new Set<string>();
    for (const rules of [...this.types.values(), ...this.fields.values()]) {
      for (const rule of rules) if (rule.kind === 'policy') rule.policies.flat().forEach((name) => names.add(name));
    }
    return names;
  }

  /**
   * Whether what this operation reads may differ from one caller to another: a field, or a type
   * it returns (any of the possible types, for an interface or union), has a rule. When it does
   * not, every caller who may run it receives the same answer.
   */
  readsCallerDependent(schema: GraphQLSchema, document: DocumentNode): boolean {
    const typeInfo = new TypeInfo(schema);
    let dependent = false;
    visit(
      document,
      visitWithTypeInfo(typeInfo, {
        [Kind.FIELD]: () => {
          const parent = typeInfo.getParentType();
          const field = typeInfo.getFieldDef();
          if (!parent || !field) return;
          if (
            this.ofField(parent.name, field.name).length > 0 ||
            this.guardsAny(schema, getNamedType(field.type)) ||
            this.ofType(parent.name).length > 0
          ) {
            dependent = true;
          }
        },
      }),
    );
    return dependent;
  }

  private guardsAny(schema: GraphQLSchema, type: GraphQLNamedType): boolean {
    const types = isAbstractType(type) ? schema.getPossibleTypes(type) : [type];
    return types.some((candidate) => this.ofType(candidate.name).length > 0);
  }
}

/** Reads the rules applied to one type or field, under whatever names the supergraph links them. */
function ruleReader(features: CoreFeatures | undefined) {
  const nameOf = (identity: string, directive: string) =>
    features?.getByIdentity(identity)?.directiveNameInSchema(directive);
  const authenticated = nameOf(AuthenticatedSpecDefinition.identity, AuthenticatedSpecDefinition.directiveName);
  const requiresScopes = nameOf(RequiresScopesSpecDefinition.identity, RequiresScopesSpecDefinition.directiveName);
  const policy = nameOf(PolicySpecDefinition.identity, PolicySpecDefinition.directiveName);
  const restricted = nameOf(ACCESS_SPEC_IDENTITY, 'restricted');

  return (element: NamedType | FieldDefinition<ObjectType | InterfaceType>): readonly AccessRule[] => {
    const rules: AccessRule[] = [];
    const applied = (name: string | undefined) => (name ? element.appliedDirectivesOf(name) : []);
    if (applied(authenticated).length > 0) rules.push({ kind: 'authenticated' });
    for (const directive of applied(requiresScopes)) {
      rules.push({ kind: 'requiresScopes', scopes: directive.arguments().scopes as string[][] });
    }
    for (const directive of applied(policy)) {
      rules.push({ kind: 'policy', policies: directive.arguments().policies as string[][] });
    }
    for (const directive of applied(restricted)) {
      rules.push({ kind: 'restricted', to: directive.arguments().to as string });
    }
    return rules;
  };
}

function fieldsOf(type: NamedType): readonly FieldDefinition<ObjectType | InterfaceType>[] {
  return type.kind === 'ObjectType' || type.kind === 'InterfaceType' ? type.fields() : [];
}
