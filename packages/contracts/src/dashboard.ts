import { z } from 'zod';
import { EventFamily, type EventOf } from './eventFamily';

/**
 * Signals, not domain events: "this room's dashboard row changed", published after the row is
 * written, so that a reader (live subscriptions) finds the new row when it asks.
 * aggregateVersion is the row's revision.
 */
export const DASHBOARD_SIGNALS = new EventFamily('DASHBOARD', {
  RoomDashboardChanged: {
    subject: 'dashboard.rows.changed',
    data: z.object({ roomId: z.string().min(1), hostId: z.string().min(1) }),
  },
});
export type DashboardSignal = EventOf<typeof DASHBOARD_SIGNALS>;
