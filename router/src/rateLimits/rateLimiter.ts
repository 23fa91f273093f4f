import { createHash } from 'node:crypto';
import { JetStreamApiCodes, JetStreamApiError, StorageType, jetstream } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import type { Broker, Logger } from '@roombook/kernel';
import { LRUCache } from 'lru-cache';
import { Counter, type Registry } from 'prom-client';
import { takeToken, type BucketLimits, type BucketState, type TakeResult } from './tokenBucket';

/** The key-value bucket the routers share: one key per caller. */
export const RATE_LIMIT_BUCKET = 'router_rate_limits';
/** After a failure the shared store is left alone this long, so requests do not each wait for it. */
const STORE_RETRY_AFTER_MS = 2_000;
/** Two replicas taking a token of one caller at once: the loser reads again and retries. */
const MAX_CONFLICT_RETRIES = 8;
/** Local buckets kept (the least recently used are forgotten: a forgotten bucket is a full one). */
const LOCAL_BUCKETS = 100_000;

export interface RateLimitDecision {
  readonly allowed: boolean;
  readonly retryAfterSeconds: number;
}

/**
 * Per-caller token buckets. With NATS, the buckets live in a JetStream key-value bucket every
 * router replica shares, updated by compare-and-set, so a caller's share is the same however its
 * requests are spread over replicas. When that store cannot be reached (NATS down, JetStream slow
 * for longer than RATE_LIMIT_STORE_TIMEOUT_MS), each replica falls back to buckets of its own: a caller then gets at most
 * its share per replica rather than none (failing closed would make a NATS outage an outage of
 * queries that do not need NATS) or unlimited (failing open would lift the limit just when one
 * caller may be the reason things are slow). The shared store is tried again after STORE_RETRY_AFTER_MS.
 */
export class RateLimiter {
  private readonly local = new LRUCache<string, BucketState>({ max: LOCAL_BUCKETS });
  private storeDownUntil = 0;
  private readonly decisions: Counter<'outcome' | 'store'>;

  private constructor(
    private readonly limits: BucketLimits,
    /** The shared bucket, opened again after a failure (a restarted NATS has lost one kept in memory). */
    private shared: KV | undefined,
    private readonly openShared: (() => Promise<KV>) | undefined,
    private readonly isConnected: () => boolean,
    /** A shared store slower than this counts as unreachable for this request. */
    private readonly storeTimeoutMs: number,
    private readonly log: Logger,
    registry: Registry,
  ) {
    this.decisions = new Counter({
      name: 'router_rate_limit_decisions_total',
      help: 'Per-caller rate limit decisions: allowed or limited, by the shared (NATS key-value) or a local bucket',
      labelNames: ['outcome', 'store'],
      registers: [registry],
    });
  }

  static async start(
    limits: BucketLimits,
    broker: Broker | undefined,
    log: Logger,
    registry: Registry,
    { replicas, storeTimeoutMs }: { readonly replicas: number; readonly storeTimeoutMs: number },
  ): Promise<RateLimiter> {
    const open = broker && (() => openBucket(broker, limits, replicas, storeTimeoutMs));
    const isConnected = () => broker?.isConnected() ?? false;
    return new RateLimiter(limits, await open?.(), open, isConnected, storeTimeoutMs, log, registry);
  }

  /** Takes one token for this caller (a key from `callerKey`). */
  async take(caller: string, now = Date.now()): Promise<RateLimitDecision> {
    const key = storeKey(caller);
    let result: TakeResult | undefined;
    let store = 'local';
    if (this.openShared && now >= this.storeDownUntil && this.isConnected()) {
      try {
        this.shared ??= await this.openShared();
        result = await this.takeShared(this.shared, key, now);
        store = 'shared';
      } catch (error) {
        this.shared = undefined;
        this.storeDownUntil = now + STORE_RETRY_AFTER_MS;
        this.log.warn({ err: error }, 'rate limits: the shared store cannot be reached; local buckets for now');
      }
    }
    if (!result) {
      result = takeToken(this.local.get(key), now, this.limits);
      if (result.allowed) this.local.set(key, result.state);
    }
    this.decisions.inc({ outcome: result.allowed ? 'allowed' : 'limited', store });
    return { allowed: result.allowed, retryAfterSeconds: result.allowed ? 0 : result.retryAfterSeconds };
  }

  private async takeShared(kv: KV, key: string, now: number): Promise<TakeResult> {
    for (let attempt = 0; ; attempt += 1) {
      const entry = await kv.get(key);
      const current = entry?.operation === 'PUT' ? entry.json<BucketState>() : undefined;
      const result = takeToken(current, now, this.limits);
      if (!result.allowed) return result;
      const value = JSON.stringify(result.state);
      try {
        if (entry) await kv.update(key, value, entry.revision, this.storeTimeoutMs);
        else await kv.create(key, value);
        return result;
      } catch (error) {
        // Another replica wrote this caller's bucket since it was read: read it again.
        if (!isWrongRevision(error) || attempt >= MAX_CONFLICT_RETRIES) throw error;
      }
    }
  }
}

/** A caller's key: its JWT subject when it sent a valid token, else its address. */
export function callerKey(caller: { readonly userId?: string; readonly address: string }): string {
  return caller.userId !== undefined ? `user:${caller.userId}` : `address:${caller.address}`;
}

/** Subjects and addresses may hold characters NATS keys may not: a digest of them (fixed length, too). */
function storeKey(caller: string): string {
  return createHash('sha256').update(caller).digest('base64url');
}

async function openBucket(broker: Broker, limits: BucketLimits, replicas: number, timeout: number): Promise<KV> {
  const kvm = new Kvm(jetstream(broker.connection, { timeout }));
  // A key unused until its bucket would be full again is as good as absent: the store forgets it.
  const ttl = Math.max(1_000, Math.ceil((limits.burst / limits.ratePerSecond) * 1_000));
  try {
    // In memory: buckets are worth seconds, and a NATS restart that forgets them only refills them.
    return await kvm.create(RATE_LIMIT_BUCKET, {
      history: 1,
      ttl,
      storage: StorageType.Memory,
      replicas,
      timeout,
    });
  } catch {
    // Made by a replica configured otherwise: share it as it is.
    return kvm.open(RATE_LIMIT_BUCKET, { timeout });
  }
}

function isWrongRevision(error: unknown): boolean {
  return (
    error instanceof JetStreamApiError &&
    (error.code === JetStreamApiCodes.StreamWrongLastSequence ||
      error.code === JetStreamApiCodes.StreamWrongLastSequenceUnknown)
  );
}
