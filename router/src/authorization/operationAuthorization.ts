import type { Identity } from '@roombook/kernel';
import {
  GraphQLError,
  GraphQLIncludeDirective,
  GraphQLSkipDirective,
  Kind,
  getDirectiveValues,
  getNamedType,
  getOperationAST,
  isCompositeType,
  visit,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLNamedType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionNode,
  type SelectionSetNode,
} from 'graphql';
import type { AccessRule, AccessRules } from './accessRules';
import { POLICIES, type Policy } from './policies';

export interface AuthorizedOperation {
  /** The operation without the fields the caller may not read (the same document when it may read all). */
  readonly document: DocumentNode;
  /** One per removed field and place in the answer: UNAUTHENTICATED or FORBIDDEN, with its path. */
  readonly errors: readonly GraphQLError[];
  /** The removed field nodes of the document given (not of the one returned), for answering them null. */
  readonly removed: ReadonlySet<FieldNode>;
}

type Refusal = { readonly code: 'UNAUTHENTICATED' | 'FORBIDDEN'; readonly rule: string };

/**
 * Authorization before planning: every field of the operation whose rules (`@authenticated`,
 * `@requiresScopes`, `@policy`, on the field or on the type it returns) the caller does not meet
 * is removed, so no subgraph is asked for it, and answered with one error naming the field and
 * the rule, at the field's path in the answer (response keys; no list positions: one error stands
 * for every item). `@restricted` rules depend on the data and are left to the owning subgraph.
 * Fields skipped by @skip/@include are not judged. A selection left empty keeps `__typename`, so
 * the document stays valid and its parent is still answered. Run after validation.
 */
export function authorizeOperation(
  rules: AccessRules,
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Readonly<Record<string, unknown>> | null | undefined,
  identity: Identity,
  policies: Readonly<Record<string, Policy>> = POLICIES,
): AuthorizedOperation {
  const operation = getOperationAST(document, operationName);
  const rootType = operation && schema.getRootType(operation.operation);
  if (!operation || !rootType) return { document, errors: [], removed: NOTHING_REMOVED };
  // Most operations read no guarded field: decided once per parsed operation, not walked per request.
  if (!reachesGuardedField(rules, schema, document, operation, rootType)) {
    return { document, errors: [], removed: NOTHING_REMOVED };
  }
  const fragments = fragmentsOf(document);
  const removed = new Set<FieldNode>();
  const errors = new Map<string, GraphQLError>();
  const refusalOf = (accessRules: readonly AccessRule[]) => firstRefusal(accessRules, identity, policies);

  // Fields @skip or @include leave out are not judged (none given: literal arguments only).
  const selecting = { variables: variables ?? {} };
  const walk = (selectionSet: SelectionSetNode, parent: GraphQLCompositeType, path: readonly string[]): void => {
    for (const { node, parent: owner, returned } of fieldsSelected(
      schema,
      fragments,
      selectionSet,
      parent,
      selecting,
    )) {
      const name = node.name.value;
      const responsePath = [...path, node.alias?.value ?? name];
      const refusal = refusalOf(rules.ofField(owner.name, name)) ?? refusalOf(rules.ofType(returned.name));
      if (refusal) {
        removed.add(node);
        const key = responsePath.join('.');
        if (!errors.has(key)) {
          errors.set(
            key,
            new GraphQLError(`${owner.name}.${name}: ${refusal.rule}`, {
              path: responsePath,
              extensions: { code: refusal.code },
            }),
          );
        }
        continue;
      }
      if (node.selectionSet && isCompositeType(returned)) walk(node.selectionSet, returned, responsePath);
    }
  };
  walk(operation.selectionSet, rootType, []);

  if (removed.size === 0) return { document, errors: [], removed };
  const authorized = visit(document, {
    [Kind.FIELD]: (node) => (removed.has(node) ? null : undefined),
    [Kind.SELECTION_SET]: {
      leave: (node) => (node.selections.length > 0 ? undefined : { ...node, selections: [TYPENAME] }),
    },
  });
  return { document: onlyWhatIsUsed(authorized, operationName), errors: [...errors.values()], removed };
}

const NOTHING_REMOVED: ReadonlySet<FieldNode> = new Set();

/** Whether each operation reaches a guarded field, by rules and schema (both replaced with the supergraph). */
const guardedReach = new WeakMap<AccessRules, WeakMap<GraphQLSchema, WeakMap<OperationDefinitionNode, boolean>>>();

/**
 * Whether some field the operation may select (whatever its variables: @skip and @include are
 * not read), or the type it returns, has a rule the router enforces (`@restricted` is the
 * subgraphs'): when none does, every caller may read all of it. Kept per operation node: the
 * pipeline keeps documents parsed by their text, so this walk runs once per operation.
 */
function reachesGuardedField(
  rules: AccessRules,
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  rootType: GraphQLCompositeType,
): boolean {
  let bySchema = guardedReach.get(rules);
  if (!bySchema) guardedReach.set(rules, (bySchema = new WeakMap()));
  let byOperation = bySchema.get(schema);
  if (!byOperation) bySchema.set(schema, (byOperation = new WeakMap()));
  let reaches = byOperation.get(operation);
  if (reaches === undefined) {
    reaches = walksIntoGuardedField(rules, schema, fragmentsOf(document), operation.selectionSet, rootType, new Set());
    byOperation.set(operation, reaches);
  }
  return reaches;
}

function walksIntoGuardedField(
  rules: AccessRules,
  schema: GraphQLSchema,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  selectionSet: SelectionSetNode,
  parent: GraphQLCompositeType,
  spread: Set<string>,
): boolean {
  const enforced = (accessRules: readonly AccessRule[]) => accessRules.some((rule) => rule.kind !== 'restricted');
  for (const { node, parent: owner, returned } of fieldsSelected(schema, fragments, selectionSet, parent, { spread })) {
    if (enforced(rules.ofField(owner.name, node.name.value)) || enforced(rules.ofType(returned.name))) return true;
    if (
      node.selectionSet &&
      isCompositeType(returned) &&
      walksIntoGuardedField(rules, schema, fragments, node.selectionSet, returned, spread)
    ) {
      return true;
    }
  }
  return false;
}

/** A field a selection set selects, with the type it is selected on and the type it returns. */
interface SelectedField {
  readonly node: FieldNode;
  readonly parent: GraphQLCompositeType;
  readonly returned: GraphQLNamedType;
}

/**
 * The schema fields `selectionSet` selects on `parent`, through its inline fragments and fragment
 * spreads (each under its type condition), in document order; meta fields (`__typename`) and
 * fields the schema does not have are left out. With `variables`, selections that @skip or
 * @include leave out are too; with `spread`, a fragment already spread (its names are added to
 * the set) is not looked into again.
 */
function* fieldsSelected(
  schema: GraphQLSchema,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  selectionSet: SelectionSetNode,
  parent: GraphQLCompositeType,
  options: { readonly variables?: Readonly<Record<string, unknown>>; readonly spread?: Set<string> },
): Generator<SelectedField> {
  for (const selection of selectionSet.selections) {
    if (options.variables !== undefined && skipped(selection, options.variables)) continue;
    if (selection.kind === Kind.INLINE_FRAGMENT) {
      const type = typeNamed(schema, selection.typeCondition?.name.value) ?? parent;
      yield* fieldsSelected(schema, fragments, selection.selectionSet, type, options);
      continue;
    }
    if (selection.kind === Kind.FRAGMENT_SPREAD) {
      const fragment = fragments.get(selection.name.value);
      if (!fragment) continue;
      if (options.spread) {
        // A fragment spread in two places reads the same fields under the same type: one look is enough.
        if (options.spread.has(fragment.name.value)) continue;
        options.spread.add(fragment.name.value);
      }
      const type = typeNamed(schema, fragment.typeCondition.name.value) ?? parent;
      yield* fieldsSelected(schema, fragments, fragment.selectionSet, type, options);
      continue;
    }
    const name = selection.name.value;
    if (name.startsWith('__') || !('getFields' in parent)) continue;
    const field = parent.getFields()[name];
    if (field) yield { node: selection, parent, returned: getNamedType(field.type) };
  }
}

function fragmentsOf(document: DocumentNode): Map<string, FragmentDefinitionNode> {
  return new Map(
    document.definitions
      .filter((definition): definition is FragmentDefinitionNode => definition.kind === Kind.FRAGMENT_DEFINITION)
      .map((fragment) => [fragment.name.value, fragment]),
  );
}

/**
 * The operation alone, with only the fragments and variables it still uses: a removed field may
 * have been the only one to use them, and GraphQL does not allow unused ones.
 */
function onlyWhatIsUsed(document: DocumentNode, operationName: string | null | undefined): DocumentNode {
  const operation = getOperationAST(document, operationName)!;
  const fragments = fragmentsOf(document);
  const usedFragments = new Set<string>();
  const usedVariables = new Set<string>();
  const collect = (node: SelectionSetNode) =>
    visit(node, {
      [Kind.VARIABLE]: (variable) => void usedVariables.add(variable.name.value),
      [Kind.FRAGMENT_SPREAD]: (spread) => {
        const fragment = fragments.get(spread.name.value);
        if (!fragment || usedFragments.has(fragment.name.value)) return;
        usedFragments.add(fragment.name.value);
        collect(fragment.selectionSet);
      },
    });
  collect(operation.selectionSet);
  operation.directives?.forEach((directive) =>
    visit(directive, { [Kind.VARIABLE]: (v) => void usedVariables.add(v.name.value) }),
  );
  return {
    ...document,
    definitions: [
      {
        ...operation,
        variableDefinitions: operation.variableDefinitions?.filter((definition) =>
          usedVariables.has(definition.variable.name.value),
        ),
      },
      ...[...fragments.values()].filter((fragment) => usedFragments.has(fragment.name.value)),
    ],
  };
}

const TYPENAME: FieldNode = { kind: Kind.FIELD, name: { kind: Kind.NAME, value: '__typename' } };

/** The first rule of these the caller does not meet, in words naming the rule. */
function firstRefusal(
  rules: readonly AccessRule[],
  identity: Identity,
  policies: Readonly<Record<string, Policy>>,
): Refusal | undefined {
  const signedIn = identity.kind === 'user';
  const notMet = (rule: string): Refusal => ({ code: signedIn ? 'FORBIDDEN' : 'UNAUTHENTICATED', rule });
  for (const rule of rules) {
    switch (rule.kind) {
      case 'authenticated':
        if (!signedIn) return { code: 'UNAUTHENTICATED', rule: 'only signed-in callers may read it (@authenticated)' };
        break;
      case 'requiresScopes': {
        const roles: readonly string[] = identity.kind === 'user' ? identity.roles : [];
        if (!rule.scopes.some((set) => set.every((scope) => roles.includes(scope)))) {
          return notMet(`it requires the role${describeSets(rule.scopes)} (@requiresScopes)`);
        }
        break;
      }
      case 'policy':
        if (!rule.policies.some((set) => set.every((name) => policies[name]?.({ identity }) ?? false))) {
          return notMet(`it requires the policy ${describeSets(rule.policies).trimStart()} (@policy)`);
        }
        break;
      case 'restricted':
        break; // The data decides: the owning subgraph checks it.
    }
  }
  return undefined;
}

/** [["HOST"], ["ADMIN"]] → " HOST or ADMIN"; [["A", "B"]] → " A and B". */
function describeSets(sets: readonly (readonly string[])[]): string {
  return ` ${sets.map((set) => set.join(' and ')).join(' or ')}`;
}

function skipped(selection: SelectionNode, variables: Readonly<Record<string, unknown>>): boolean {
  return (
    getDirectiveValues(GraphQLSkipDirective, selection, variables)?.if === true ||
    getDirectiveValues(GraphQLIncludeDirective, selection, variables)?.if === false
  );
}

function typeNamed(schema: GraphQLSchema, name: string | undefined): GraphQLCompositeType | undefined {
  const type = name ? schema.getType(name) : undefined;
  return type && isCompositeType(type) ? type : undefined;
}
