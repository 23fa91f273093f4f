/** A caller's bucket: tokens left at an instant (ms since the epoch). */
export interface BucketState {
  readonly tokens: number;
  readonly at: number;
}

export interface BucketLimits {
  /** Tokens added per second, up to `burst`. */
  readonly ratePerSecond: number;
  /** Most tokens a bucket holds: how many requests a rested caller may send at once. */
  readonly burst: number;
}

export type TakeResult =
  | { readonly allowed: true; readonly state: BucketState }
  | { readonly allowed: false; readonly state: BucketState; readonly retryAfterSeconds: number };

/**
 * Takes one token from a caller's bucket, refilled for the time since it was last used (a bucket
 * never seen is full). Refused when less than one token is left; `retryAfterSeconds` is when one
 * will be, rounded up to whole seconds (what Retry-After carries). A clock behind the one that
 * wrote the state (another replica's) refills nothing rather than taking tokens back.
 */
export function takeToken(state: BucketState | undefined, now: number, limits: BucketLimits): TakeResult {
  const elapsedSeconds = state ? Math.max(0, now - state.at) / 1000 : Infinity;
  const tokens = Math.min(limits.burst, (state?.tokens ?? limits.burst) + elapsedSeconds * limits.ratePerSecond);
  if (tokens >= 1) return { allowed: true, state: { tokens: tokens - 1, at: now } };
  return {
    allowed: false,
    state: { tokens, at: now },
    retryAfterSeconds: Math.max(1, Math.ceil((1 - tokens) / limits.ratePerSecond)),
  };
}
