import type { ApolloServerPlugin } from '@apollo/server';
import {
  GraphQLError,
  ValuesOfCorrectTypeRule,
  validate,
  type DocumentNode,
  type GraphQLFormattedError,
  type GraphQLSchema,
} from 'graphql';

/**
 * A client's mistakes that Apollo Server, in front of a gateway, would not answer as the client's:
 * - a request that names no operation of its document (an unknown operationName, or several
 *   operations and none named) reaches the gateway, which throws, and Apollo answers 500;
 * - a literal the argument's type cannot hold (`first: 99999999999`) is a validation failure,
 *   while the same value in a variable is BAD_USER_INPUT: the client gets one code for one mistake.
 */
export function clientMistakes<Context extends object>(): ApolloServerPlugin<Context> {
  return {
    requestDidStart() {
      return Promise.resolve({
        didResolveOperation({ operation, request }) {
          if (operation) return Promise.resolve();
          throw new GraphQLError(
            request.operationName
              ? `Unknown operation named "${request.operationName}"`
              : 'Must provide operation name if query contains multiple operations',
            { extensions: { code: 'BAD_REQUEST', http: { status: 400 } } },
          );
        },
        didEncounterErrors({ errors, schema, document }) {
          if (!document || !errors.some((error) => error.extensions.code === 'GRAPHQL_VALIDATION_FAILED')) {
            return Promise.resolve();
          }
          const isValueError = valueErrorsOf(schema, document);
          for (const error of errors) {
            // Apollo has wrapped each validation error by now; its code is what the client will read.
            if (error.extensions.code === 'GRAPHQL_VALIDATION_FAILED' && isValueError(error)) {
              error.extensions.code = 'BAD_USER_INPUT';
            }
          }
          return Promise.resolve();
        },
      });
    },
  };
}

/**
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
