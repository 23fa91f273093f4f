import { PAYMENT_EVENTS, RESERVATION_EVENTS, REVIEW_EVENTS, ROOM_EVENTS } from '@roombook/contracts';
import { setTimeout as sleep } from 'node:timers/promises';
import { replayStream, type Broker, type EventSource, type Logger } from '@roombook/kernel';
import type { SourceEvent } from '../projecting/facts';
import type { DashboardProjection } from '../projecting/projection';
import { VERSIONS_CACHE_MS, type ProjectionVersionRegistry } from '../projectionVersions';

const REPLAY_CONCURRENCY = 32;

export interface RebuildSummary {
  readonly from: number;
  readonly to: number;
  /** Events replayed per stream. */
  readonly replayed: Record<string, number>;
  readonly seconds: number;
}

/**
 * Builds a new version of the read model from the streams alone, beside the live one, then
 * switches queries to it.
 *
 * While it replays, live consumers apply every new event to both versions. An event published
 * before the replay began is in the replay; one published after it reaches a live consumer that
 * knows of the new version (it acts on versions read at most VERSIONS_CACHE_MS before, and the
 * replay begins twice that long after the announcement). Since applying is idempotent and
 * order-free, the new version ends with every event exactly once, whichever applied it first.
 *
 * Queries, too, act on versions read up to VERSIONS_CACHE_MS before: for a moment after the switch
 * some still read the old version. So live events keep updating it ("retiring") until twice that
 * long after the switch, when none can read it any more.
 */
/** How often a replayed event is tried before the rebuild gives up, and the first pause between tries. */
const REPLAY_ATTEMPTS = 5;
const REPLAY_RETRY_MS = 200;

/**
 * A replayed event competes with live consumers for the same rows (a conflict after many lost
 * races, or a slow server): try it again, as a consumer's redelivery would, before failing.
 */
async function withRetries(apply: () => Promise<void>, eventId: string, log: Logger): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await apply();
    } catch (error) {
      if (attempt >= REPLAY_ATTEMPTS) throw error;
      log.warn({ err: error, eventId, attempt }, 'replayed event not applied; trying again');
      await sleep(REPLAY_RETRY_MS * 2 ** (attempt - 1));
    }
  }
}

export async function rebuildDashboard(
  projection: DashboardProjection,
  versions: ProjectionVersionRegistry,
  broker: Broker,
  log: Logger,
): Promise<RebuildSummary> {
  const startedAt = Date.now();
  const { active, building, retiring } = await versions.current();
  if (retiring !== undefined) {
    // An earlier rebuild stopped before retiring its old version: retire it, so no live event writes it once dropped.
    await versions.retire();
    await sleep(2 * VERSIONS_CACHE_MS);
  }
  const target = Math.max(active, building ?? 0) + 1;
  // Older versions, and what an interrupted rebuild left, are dropped; the active one stays until the switch.
  for (let version = 1; version <= target; version += 1) {
    if (version !== active) await projection.rowsOf(version).drop();
  }
  await projection.rowsOf(target).ready();
  await versions.startBuilding(target);
  // Live consumers act on versions read up to VERSIONS_CACHE_MS ago: past this wait, all know of the new one.
  await sleep(2 * VERSIONS_CACHE_MS);
  log.info({ from: active, to: target }, 'rebuilding the dashboard read model');

  const replayed: Record<string, number> = {};
  const families: readonly EventSource<SourceEvent>[] = [
    ROOM_EVENTS,
    RESERVATION_EVENTS,
    PAYMENT_EVENTS,
    REVIEW_EVENTS,
  ];
  for (const family of families) {
    const summary = await replayStream(
      broker,
      family,
      (event) => withRetries(() => projection.projectInto(target, event, { announce: false }), event.id, log),
      log,
      // Aggregates side by side (one aggregate's events in order): the facts a room's row
      // receives at once are applied in one revision.
      { concurrency: REPLAY_CONCURRENCY },
    );
    replayed[family.stream] = summary.replayed;
  }
  await versions.switchTo(target);
  // Queries that read versions before the switch read the old one for up to VERSIONS_CACHE_MS more.
  await sleep(2 * VERSIONS_CACHE_MS);
  await versions.retire();
  const seconds = (Date.now() - startedAt) / 1000;
  log.info({ from: active, to: target, replayed, seconds }, 'dashboard read model rebuilt and switched');
  return { from: active, to: target, replayed, seconds };
}
