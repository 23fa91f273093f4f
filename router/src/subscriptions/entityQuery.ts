import {
  Kind,
  OperationTypeNode,
  getOperationAST,
  print,
  visit,
  type DocumentNode,
  type FieldNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type VariableDefinitionNode,
} from 'graphql';
import { getArgumentValues } from 'graphql/execution/values';
import type { LiveArguments, LiveField, LiveFields } from './liveFields';

/** The variable that carries the changed entity's id into the query built for a subscription. */
export const ENTITY_ID_VARIABLE = 'roombookLiveEntityId';

/** A subscription as the router serves it: a query of the changed entity, run once per event. */
export interface LiveOperation {
  readonly field: LiveField;
  /** The subscription field's arguments, evaluated: they filter events before anything is asked. */
  readonly args: LiveArguments;
  /** Where the payload goes in the result (the field's alias, if any). */
  readonly responseKey: string;
  /** `query { <responseKey>: <entity field>(<argument>: $roombookLiveEntityId) { …the client's selection } }`, printed. */
  readonly query: string;
  readonly variables: Record<string, unknown>;
}

export class NotALiveOperation extends Error {}

/**
 * Turns a validated subscription into the query that resolves its payload for one event: the same
 * selection (with its fragments), asked of the entity the event changed, through the gateway, so
 * a payload may span every subgraph the selection reaches.
 */
export function liveOperationOf(
  fields: LiveFields,
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown>,
): LiveOperation {
  const operation = getOperationAST(document, operationName);
  if (!operation || operation.operation !== OperationTypeNode.SUBSCRIPTION)
    throw new NotALiveOperation('not a subscription');
  const root = operation.selectionSet.selections[0];
  // Validation (SingleFieldSubscriptionsRule) leaves exactly one root field.
  const field = root?.kind === Kind.FIELD ? fields.get(root.name.value) : undefined;
  if (!root || root.kind !== Kind.FIELD || !field) {
    throw new NotALiveOperation('the subscription field is not one this router serves (no @live declares it)');
  }
  const fieldDefinition = schema.getSubscriptionType()!.getFields()[field.name];
  const args = getArgumentValues(fieldDefinition, root, variables) as LiveArguments;

  const entityField: FieldNode = {
    kind: Kind.FIELD,
    alias: { kind: Kind.NAME, value: root.alias?.value ?? root.name.value },
    name: { kind: Kind.NAME, value: field.entity.queryField },
    arguments: [
      {
        kind: Kind.ARGUMENT,
        name: { kind: Kind.NAME, value: field.entity.argument },
        value: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: ENTITY_ID_VARIABLE } },
      },
    ],
    directives: root.directives,
    selectionSet: root.selectionSet,
  };
  const query: OperationDefinitionNode = {
    kind: Kind.OPERATION_DEFINITION,
    operation: OperationTypeNode.QUERY,
    name: operation.name,
    variableDefinitions: [],
    directives: [],
    selectionSet: { kind: Kind.SELECTION_SET, selections: [entityField] },
  };
  const fragments = document.definitions.filter((definition) => definition.kind === Kind.FRAGMENT_DEFINITION);
  // Only the variables the selection uses: those of the subscription's own arguments would be unused.
  const used = usedVariables({ kind: Kind.DOCUMENT, definitions: [query, ...fragments] });
  const entityIdDefinition: VariableDefinitionNode = {
    kind: Kind.VARIABLE_DEFINITION,
    variable: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: ENTITY_ID_VARIABLE } },
    type: { kind: Kind.NON_NULL_TYPE, type: { kind: Kind.NAMED_TYPE, name: { kind: Kind.NAME, value: 'ID' } } },
  };
  const variableDefinitions = [
    entityIdDefinition,
    ...(operation.variableDefinitions ?? []).filter((definition) => used.has(definition.variable.name.value)),
  ];
  return {
    field,
    args,
    responseKey: entityField.alias!.value,
    query: print({ kind: Kind.DOCUMENT, definitions: [{ ...query, variableDefinitions }, ...fragments] }),
    variables: Object.fromEntries(Object.entries(variables).filter(([name]) => used.has(name))),
  };
}

function usedVariables(document: DocumentNode): Set<string> {
  const names = new Set<string>();
  visit(document, {
    Variable(node) {
      names.add(node.name.value);
    },
  });
  return names;
}
