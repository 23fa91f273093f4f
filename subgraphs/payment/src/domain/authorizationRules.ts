import { z } from 'zod';

const reference = z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters');

export const moneySchema = z.object({
  amount: z.number().int('must be a whole number of minor units').positive('must be greater than 0'),
  currency: z.string().regex(/^[A-Z]{3}$/, 'must be three upper-case letters (ISO-4217)'),
});

/** What a charge needs to be requested at all; the same rules hold for the HTTP call and the event. */
export const authorizationRequestSchema = z.object({
  reservationId: reference,
  roomId: reference,
  guestId: reference,
  hostId: reference,
  amount: moneySchema,
});

/** "field.path: rule" for the first issue; zod's messages never quote the value, so no card token leaks into it. */
export function describeIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  return issue ? `${issue.path.join('.') || '(body)'}: ${issue.message}` : 'invalid input';
}
