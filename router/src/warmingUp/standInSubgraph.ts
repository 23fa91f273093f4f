import { createServer, type Server } from 'node:http';
import {
  Kind,
  OperationTypeNode,
  getNamedType,
  isAbstractType,
  isEnumType,
  isListType,
  isNonNullType,
  isObjectType,
  parse,
  type FragmentDefinitionNode,
  type GraphQLObjectType,
  type GraphQLOutputType,
  type GraphQLSchema,
  type SelectionSetNode,
} from 'graphql';

/**
 * One loopback server standing in for every subgraph during the router's warm-up: it answers any
 * fetch of a plan with made-up values of the right types (the API schema's), so the router's
 * executor runs the plan end to end while no real subgraph is called and nothing is booked.
 * `fetches` counts what it answered, for the tests.
 */
export function standInSubgraph(schema: GraphQLSchema): { readonly server: Server; fetches(): number } {
  let fetches = 0;
  const server = createServer((incoming, response) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      fetches += 1;
      let data: unknown = null;
      try {
        const { query, variables } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
          query: string;
          variables?: Record<string, unknown>;
        };
        data = answer(schema, query, variables ?? {});
      } catch {
        // A fetch it cannot read gets null: the executor's error path is warmed as well.
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data }));
    });
  });
  return { server, fetches: () => fetches };
}

type Fragments = ReadonlyMap<string, FragmentDefinitionNode>;

/** The data of one subgraph fetch: its root fields, or one entity per representation for `_entities`. */
export function answer(schema: GraphQLSchema, query: string, variables: Record<string, unknown>): unknown {
  const document = parse(query);
  const fragments = new Map(
    document.definitions.flatMap((definition) =>
      definition.kind === Kind.FRAGMENT_DEFINITION ? [[definition.name.value, definition] as const] : [],
    ),
  );
  const operation = document.definitions.find((definition) => definition.kind === Kind.OPERATION_DEFINITION);
  if (!operation) return null;
  const root = operation.operation === OperationTypeNode.MUTATION ? schema.getMutationType() : schema.getQueryType();
  if (!root) return null;
  const data: Record<string, unknown> = {};
  for (const selection of operation.selectionSet.selections) {
    if (selection.kind !== Kind.FIELD) continue;
    const key = selection.alias?.value ?? selection.name.value;
    if (selection.name.value === '_entities') {
      const representations = (variables.representations ?? []) as { __typename?: string }[];
      data[key] = representations.map((representation) => {
        const type = schema.getType(representation.__typename ?? '');
        return isObjectType(type) ? objectOf(schema, type, selection.selectionSet, fragments) : null;
      });
    } else {
      const field = root.getFields()[selection.name.value];
      data[key] = field ? valueOf(schema, field.type, selection.selectionSet, fragments) : null;
    }
  }
  return data;
}

function valueOf(
  schema: GraphQLSchema,
  type: GraphQLOutputType,
  selectionSet: SelectionSetNode | undefined,
  fragments: Fragments,
): unknown {
  if (isNonNullType(type)) return valueOf(schema, type.ofType, selectionSet, fragments);
  if (isListType(type)) return [valueOf(schema, type.ofType, selectionSet, fragments)];
  const named = getNamedType(type);
  if (isEnumType(named)) return named.getValues()[0]?.value ?? null;
  if (isObjectType(named)) return objectOf(schema, named, selectionSet, fragments);
  if (isAbstractType(named)) {
    const [concrete] = schema.getPossibleTypes(named);
    return concrete ? objectOf(schema, concrete, selectionSet, fragments) : null;
  }
  switch (named.name) {
    case 'Int':
    case 'Float':
      return 1;
    case 'Boolean':
      return true;
    case 'ID':
    case 'String':
      return 'warm-up';
    default:
      return '2030-01-01'; // Custom scalars (Date, DateTime) pass through the router as they come.
  }
}

function objectOf(
  schema: GraphQLSchema,
  type: GraphQLObjectType,
  selectionSet: SelectionSetNode | undefined,
  fragments: Fragments,
  into: Record<string, unknown> = {},
): Record<string, unknown> {
  for (const selection of selectionSet?.selections ?? []) {
    if (selection.kind === Kind.FIELD) {
      const key = selection.alias?.value ?? selection.name.value;
      const field = type.getFields()[selection.name.value];
      const value =
        selection.name.value === '__typename'
          ? type.name
          : field
            ? valueOf(schema, field.type, selection.selectionSet, fragments)
            : null;
      const before = into[key];
      // The same field selected twice (by two fragments) is one object with both selections.
      if (isPlainObject(before) && isPlainObject(value)) Object.assign(before, value);
      else into[key] = value;
      continue;
    }
    const fragment = selection.kind === Kind.INLINE_FRAGMENT ? selection : fragments.get(selection.name.value);
    const condition = fragment?.typeCondition?.name.value;
    const applies =
      condition === undefined ||
      condition === type.name ||
      (() => {
        const abstract = schema.getType(condition);
        return isAbstractType(abstract) && schema.isSubType(abstract, type);
      })();
    if (fragment && applies) objectOf(schema, type, fragment.selectionSet, fragments, into);
  }
  return into;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
