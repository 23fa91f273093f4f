import { createHash } from 'node:crypto';
import type {
  GatewayExecutionResult,
  GatewayExecutor,
  GatewayGraphQLRequestContext,
  GatewayInterface,
} from '@apollo/server-gateway-interface';
import { ROUTER_SUPPORTED_SUPERGRAPH_FEATURES, Supergraph } from '@apollo/federation-internals';
import type { Identity } from '@roombook/kernel';
import {
  Kind,
  TypeInfo,
  execute,
  getOperationAST,
  isAbstractType,
  getNamedType,
  print,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
  type FieldNode,
  type GraphQLError,
  type GraphQLSchema,
} from 'graphql';
import type { AccessRules } from './accessRules';
import { authorizeOperation } from './operationAuthorization';
import type { Policy } from './policies';

/** What a removed field "resolves" to while the answer is completed: null, and no error of its own. */
const REMOVED = new Error('removed by authorization');

/**
 * Apollo Server's gateway with authorization before planning: the gateway plans and runs the
 * operation without the fields the caller may not read (under that document's own hash, so the
 * plan cache never hands one caller a plan made for another's rights), and the answer is then
 * completed against the operation as sent: those fields null (nullability propagating as for any
 * field error) and one error each. An operation the caller may read whole runs untouched.
 */
export function authorizingGateway(
  gateway: GatewayInterface,
  supergraphSdl: string,
  rules: AccessRules,
  policies?: Readonly<Record<string, Policy>>,
): GatewayInterface {
  // The API schema without the gateway's resolvers: the completion reads the narrowed answer itself.
  const schema = Supergraph.build(supergraphSdl, { supportedFeatures: ROUTER_SUPPORTED_SUPERGRAPH_FEATURES })
    .apiSchema()
    .toGraphQLJSSchema();
  return {
    onSchemaLoadOrUpdate: (callback) => gateway.onSchemaLoadOrUpdate(callback),
    stop: () => gateway.stop(),
    async load(options) {
      const { executor } = await gateway.load(options);
      return { executor: executor && authorizing(executor, () => schema, rules, policies) };
    },
  };
}

function authorizing(
  executor: GatewayExecutor,
  schema: () => GraphQLSchema,
  rules: AccessRules,
  policies: Readonly<Record<string, Policy>> | undefined,
): GatewayExecutor {
  return async (requestContext) => {
    const { document, request } = requestContext;
    const identity = (requestContext.context as { identity?: Identity }).identity ?? { kind: 'anonymous' };
    const authorized = authorizeOperation(
      rules,
      schema(),
      document,
      request.operationName,
      request.variables,
      identity,
      policies,
    );
    if (authorized.errors.length === 0) return executor(requestContext);
    const planned = withTypenames(schema(), authorized.document);
    const source = print(planned);
    const narrowed: GatewayGraphQLRequestContext = {
      ...requestContext,
      document: planned,
      source,
      queryHash: createHash('sha256').update(source).digest('hex'),
      operation: getOperationAST(planned, request.operationName) ?? requestContext.operation,
    };
    const result = await executor(narrowed);
    return completed(schema(), requestContext, result, authorized.removed, authorized.errors);
  };
}

/** The answer to the operation as sent, from the answer to the narrowed one. */
async function completed(
  schema: GraphQLSchema,
  { document, request }: GatewayGraphQLRequestContext,
  result: GatewayExecutionResult,
  removed: ReadonlySet<FieldNode>,
  authorizationErrors: readonly GraphQLError[],
): Promise<GatewayExecutionResult> {
  if (!result.data) return { ...result, errors: [...(result.errors ?? []), ...authorizationErrors] };
  const answer = await execute({
    schema,
    document,
    operationName: request.operationName,
    variableValues: request.variables,
    rootValue: result.data,
    // The narrowed answer is keyed by response keys (aliases), as the gateway completes its own.
    fieldResolver: (source: Record<string, unknown>, _args, _context, info) => {
      if (info.fieldNodes.some((node) => removed.has(node))) throw REMOVED;
      return source[info.path.key as string];
    },
    typeResolver: (value: { __typename?: string }) => value.__typename,
  });
  const ownErrors = (answer.errors ?? []).filter((error) => error.originalError !== REMOVED);
  return {
    ...result,
    data: answer.data,
    errors: [...(result.errors ?? []), ...ownErrors, ...authorizationErrors],
  };
}

/** `__typename` wherever the type is abstract, so the completion knows each object's type. */
function withTypenames(schema: GraphQLSchema, document: DocumentNode): DocumentNode {
  const typeInfo = new TypeInfo(schema);
  return visit(
    document,
    visitWithTypeInfo(typeInfo, {
      [Kind.SELECTION_SET]: (node) => {
        const type = typeInfo.getType() ?? typeInfo.getParentType();
        if (!type || !isAbstractType(getNamedType(type))) return undefined;
        return { ...node, selections: [...node.selections, TYPENAME] };
      },
    }),
  );
}

const TYPENAME: FieldNode = { kind: Kind.FIELD, name: { kind: Kind.NAME, value: '__typename' } };
