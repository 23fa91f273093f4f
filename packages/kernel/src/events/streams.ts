/**
 * The shared channels: one JetStream stream per bounded context, plus the dead-letter stream.
 * Named here, once, so no two services can silently disagree on them.
 */
export const STREAMS = {
  ROOMS: { name: 'ROOMS', subjects: ['rooms.>'] },
  RESERVATIONS: { name: 'RESERVATIONS', subjects: ['reservations.>'] },
  PAYMENTS: { name: 'PAYMENTS', subjects: ['payments.>'] },
  REVIEWS: { name: 'REVIEWS', subjects: ['reviews.>'] },
  DEAD_LETTERS: { name: 'DEAD_LETTERS', subjects: ['deadletter.>'] },
} as const;

export type StreamName = keyof typeof STREAMS;

/** Where a consumer's poison messages go: deadletter.<durable consumer name>. */
export function deadLetterSubject(consumer: string): string {
  return `deadletter.${consumer}`;
}
