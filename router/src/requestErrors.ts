import {
  GraphQLError,
  ValuesOfCorrectTypeRule,
  validate,
  type DocumentNode,
  type GraphQLFormattedError,
  type GraphQLSchema,
} from 'graphql';

/**
 * The refusal of a request that names no operation of its document (an unknown operationName, or
 * several operations and none named): the client's mistake, 400 BAD_REQUEST.
 */
export function unknownOperation(operationName: string | null | undefined): GraphQLError {
  return new GraphQLError(
    operationName
      ? `Unknown operation named "${operationName}"`
      : 'Must provide operation name if query contains multiple operations',
    { extensions: { code: 'BAD_REQUEST' } },
  );
}

/**
 * A literal the argument's type cannot hold (`first: 99999999999`) is a validation failure, while
 * the same value in a variable is BAD_USER_INPUT: the client gets one code for one mistake.
 * Which of a document's validation errors are about a value written in it (out of range, wrong
 * type, an unknown or missing input field): the client's input, BAD_USER_INPUT, as it would be
 * in a variable.
 */
export function valueErrorsOf(
  schema: GraphQLSchema,
  document: DocumentNode,
): (error: GraphQLError | GraphQLFormattedError) => boolean {
  const valueErrors = new Set(validate(schema, document, [ValuesOfCorrectTypeRule]).map(identify));
  return (error) => valueErrors.has(identify(error));
}

/** The same error found twice by validation: same message at the same places. */
function identify(error: GraphQLError | GraphQLFormattedError): string {
  return JSON.stringify([error.message, error.locations]);
}
