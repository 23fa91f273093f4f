/**
 * The shared channels: one JetStream stream per bounded context, the dead-letter stream, and the
 * dashboard's change signals. Named here, once, so no two services can silently disagree on them.
 */
export const STREAMS = {
  ROOMS: { name: 'ROOMS', subjects: ['rooms.>'] },
  RESERVATIONS: { name: 'RESERVATIONS', subjects: ['reservations.>'] },
  PAYMENTS: { name: 'PAYMENTS', subjects: ['payments.>'] },
  REVIEWS: { name: 'REVIEWS', subjects: ['reviews.>'] },
  DEAD_LETTERS: { name: 'DEAD_LETTERS', subjects: ['deadletter.>'] },
  /** Not domain events: "this dashboard row changed" signals for live subscriptions, kept for a day. */
  DASHBOARD: { name: 'DASHBOARD', subjects: ['dashboard.>'], maxAgeSeconds: 24 * 60 * 60 },
} as const;

export type StreamName = keyof typeof STREAMS;

/** Where a consumer's poison messages go: deadletter.<durable consumer name>. */
export function deadLetterSubject(consumer: string): string {
  return `deadletter.${consumer}`;
}
