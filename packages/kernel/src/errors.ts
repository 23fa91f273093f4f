/**
 * The client contract's error codes (listed at the top of its api.graphql) and the typed failures that carry them.
 * Domain code throws these; graphql/errorMapping.ts turns them into GraphQL errors in one place.
 */
export const ERROR_CODES = [
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'BAD_USER_INPUT',
  'NOT_FOUND',
  'ROOM_UNAVAILABLE',
  'INVALID_STATE',
  'CONFLICT',
  'SERVICE_UNAVAILABLE',
  'PERSISTED_QUERY_NOT_IN_LIST',
  'RATE_LIMITED',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export abstract class DomainError extends Error {
  abstract readonly code: ErrorCode;
  /** The input path the failure is about, e.g. "input.checkIn". */
  readonly field: string | undefined;

  constructor(message: string, options?: { field?: string; cause?: unknown }) {
    super(message, { cause: options?.cause });
    this.name = new.target.name;
    this.field = options?.field;
    // An answer to the caller, not a fault: its stack is never shown or logged (errorMapping), yet
    // graphql-js reads it for every error it locates, and formatting it through source maps (tsx)
    // was ~5 % of the reservation service's CPU in a booking burst of refusals. Its cause keeps its own.
    this.stack = `${this.name}: ${message}`;
  }
}

export class Unauthenticated extends DomainError {
  readonly code = 'UNAUTHENTICATED';
  constructor(message = 'Authentication required: send Authorization: Bearer <token>') {
    super(message);
  }
}

export class Forbidden extends DomainError {
  readonly code = 'FORBIDDEN';
}

export class InvalidInput extends DomainError {
  readonly code = 'BAD_USER_INPUT';
  constructor(field: string, rule: string) {
    super(`${field} ${rule}`, { field });
  }
}

export class NotFound extends DomainError {
  readonly code = 'NOT_FOUND';
  constructor(entity: string, id: string, field?: string) {
    super(`${entity} ${id} does not exist`, { field });
  }
}

export class RoomUnavailable extends DomainError {
  readonly code = 'ROOM_UNAVAILABLE';
}

export class InvalidState extends DomainError {
  readonly code = 'INVALID_STATE';
}

export class Conflict extends DomainError {
  readonly code = 'CONFLICT';
}

export class ServiceUnavailable extends DomainError {
  readonly code = 'SERVICE_UNAVAILABLE';
}

/** Trusted documents are enforced and the operation is not in the manifest (refused before parsing). */
export class PersistedQueryNotInList extends DomainError {
  readonly code = 'PERSISTED_QUERY_NOT_IN_LIST';
}

/** One caller sent more than its share; `retryAfterSeconds` is when its next request would be served. */
export class RateLimited extends DomainError {
  readonly code = 'RATE_LIMITED';
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}

export function assertUnreachable(value: never): never {
  throw new Error(`Unhandled case: ${JSON.stringify(value)}`);
}
