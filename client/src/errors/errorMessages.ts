import { CombinedGraphQLErrors, ServerError } from '@apollo/client';

/** The error codes of the client contract (the top of its api.graphql). */
export type ContractErrorCode =
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'BAD_USER_INPUT'
  | 'NOT_FOUND'
  | 'ROOM_UNAVAILABLE'
  | 'INVALID_STATE'
  | 'CONFLICT'
  | 'SERVICE_UNAVAILABLE'
  | 'CURSOR_EXPIRED'
  | 'PERSISTED_QUERY_NOT_IN_LIST'
  | 'RATE_LIMITED';

/** Each code in words a guest understands: the one place the app maps them. */
const WORDS: Readonly<Record<ContractErrorCode, string>> = {
  UNAUTHENTICATED: 'Please sign in again: your session has ended or was not accepted.',
  FORBIDDEN: 'Your account is not allowed to do that.',
  BAD_USER_INPUT: 'Please check what you entered.',
  NOT_FOUND: 'We could not find that any more; it may have been removed.',
  ROOM_UNAVAILABLE: 'Those nights were just taken, or the room is no longer listed. Please try other dates.',
  INVALID_STATE: 'That can no longer be changed in its current state.',
  CONFLICT: 'That has already been done (for example, this stay already has your review).',
  SERVICE_UNAVAILABLE: 'Part of the service is busy or down right now. Nothing was lost; please try again in a moment.',
  CURSOR_EXPIRED: 'Live updates were interrupted for a while, so the page was refreshed.',
  PERSISTED_QUERY_NOT_IN_LIST: 'This version of the app is out of date. Please reload the page.',
  RATE_LIMITED: 'That was a lot of requests at once. Please wait a few seconds and try again.',
};

const isContractCode = (code: unknown): code is ContractErrorCode => typeof code === 'string' && code in WORDS;

export interface Explained {
  /** What happened, in plain words. */
  readonly summary: string;
  /** The graph's own message where it helps (which field, which rule), else undefined. */
  readonly detail: string | undefined;
  readonly code: ContractErrorCode | undefined;
}

/** Any error Apollo Client reports, explained. */
export function explainError(error: unknown): Explained {
  if (CombinedGraphQLErrors.is(error)) {
    const first = error.errors.find((each) => isContractCode(each.extensions?.code)) ?? error.errors[0];
    const code = first?.extensions?.code;
    if (isContractCode(code)) {
      // Only input errors say more that helps: the field and the rule ("checkOut must be after checkIn").
      return { summary: WORDS[code], detail: code === 'BAD_USER_INPUT' ? first.message : undefined, code };
    }
    return { summary: 'Something went wrong on our side. Please try again.', detail: undefined, code: undefined };
  }
  if (ServerError.is(error)) {
    // A refusal the router answered with a non-2xx status still names its code in the body.
    const errors = parsedErrors(error.bodyText);
    if (errors) return explainError(new CombinedGraphQLErrors({ errors }));
    const status = error.statusCode;
    if (status === 429) return { summary: WORDS.RATE_LIMITED, detail: undefined, code: 'RATE_LIMITED' };
    if (status >= 500) return { summary: WORDS.SERVICE_UNAVAILABLE, detail: undefined, code: 'SERVICE_UNAVAILABLE' };
  }
  return {
    summary: 'We cannot reach the service. Check your connection; we will keep trying.',
    detail: undefined,
    code: undefined,
  };
}

function parsedErrors(body: string): CombinedGraphQLErrors['errors'] | undefined {
  try {
    const parsed = JSON.parse(body) as { errors?: CombinedGraphQLErrors['errors'] };
    return Array.isArray(parsed.errors) && parsed.errors.length > 0 ? parsed.errors : undefined;
  } catch {
    return undefined;
  }
}
