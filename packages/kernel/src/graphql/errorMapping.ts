import { unwrapResolverError } from '@apollo/server/errors';
import type { GraphQLFormattedError } from 'graphql';
import { isDatabaseUnreachable } from '../database';
import { DomainError, type ErrorCode, assertUnreachable } from '../errors';
import type { Logger } from '../logger';

/** HTTP status hints for errors raised before execution (the router uses them for whole-request failures). */
export function httpStatusFor(code: ErrorCode): number {
  switch (code) {
    case 'UNAUTHENTICATED':
      return 401;
    case 'FORBIDDEN':
      return 403;
    case 'SERVICE_UNAVAILABLE':
      return 503;
    case 'PERSISTED_QUERY_NOT_IN_LIST':
      return 400;
    case 'RATE_LIMITED':
      return 429;
    case 'BAD_USER_INPUT':
    case 'NOT_FOUND':
    case 'ROOM_UNAVAILABLE':
    case 'INVALID_STATE':
    case 'CONFLICT':
      return 200;
    default:
      return assertUnreachable(code);
  }
}

/**
 * The one place domain failures become contract errors. Anything unexpected is logged and
 * reported without its internals.
 */
export function createErrorFormatter(log: Logger, exposeInternals: boolean) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = unwrapResolverError(error);
    if (original instanceof DomainError) {
      return {
        ...formatted,
        message: original.message,
        extensions: { code: original.code, ...(original.field ? { field: original.field } : {}) },
      };
    }
    if (isDatabaseUnreachable(original)) {
      // The driver's message names the server's address: logged, never sent to the client.
      log.warn({ err: original, path: formatted.path }, 'database unreachable');
      return {
        ...formatted,
        message: 'The database cannot be reached; retry later',
        extensions: { code: 'SERVICE_UNAVAILABLE' satisfies ErrorCode },
      };
    }
    const code = formatted.extensions?.code;
    if (code === 'INTERNAL_SERVER_ERROR' || code === undefined) {
      log.error({ err: original, path: formatted.path }, 'unexpected error');
      if (!exposeInternals)
        return { ...formatted, message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } };
    }
    return formatted;
  };
}
