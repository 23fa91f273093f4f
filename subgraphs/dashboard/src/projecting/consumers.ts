import { PAYMENT_EVENTS, RESERVATION_EVENTS, REVIEW_EVENTS, ROOM_EVENTS } from '@roombook/contracts';
import { consumerOf, type ConsumerSpec } from '@roombook/kernel';
import type { SourceEvent } from './facts';
import type { DashboardProjection } from './projection';

/** Called after an event is projected and before it is acked; tests fail it to play a crash at that point. */
export type AfterProjection = (event: SourceEvent) => Promise<void>;

/**
 * One durable consumer per stream the dashboard follows; replicas share them, so each event is
 * handled once. Each takes its events in batches: a room's events of one batch are one write.
 */
export function dashboardConsumers(projection: DashboardProjection, afterProjection?: AfterProjection): ConsumerSpec[] {
  const handle = async (event: SourceEvent) => {
    await projection.project(event);
    await afterProjection?.(event);
  };
  const handleBatch = async (events: readonly SourceEvent[]) => {
    const projected = await projection.projectAll(events);
    if (!afterProjection) return projected;
    return Promise.allSettled(
      events.map(async (event, index) => {
        const outcome = projected[index];
        if (outcome.status === 'rejected') throw outcome.reason;
        await afterProjection(event);
      }),
    );
  };
  return [
    consumerOf({ durable: 'dashboard-rooms', events: ROOM_EVENTS, handle, handleBatch }),
    consumerOf({ durable: 'dashboard-reservations', events: RESERVATION_EVENTS, handle, handleBatch }),
    consumerOf({ durable: 'dashboard-payments', events: PAYMENT_EVENTS, handle, handleBatch }),
    consumerOf({ durable: 'dashboard-reviews', events: REVIEW_EVENTS, handle, handleBatch }),
  ];
}
