import { z } from 'zod';

/** Integer minor units and an ISO-4217 code, as everywhere in the API. */
export const moneySchema = z.object({
  amount: z.number().int('must be a whole number of minor units').positive('must be greater than 0'),
  currency: z.string().regex(/^[A-Z]{3}$/, 'must be three upper-case letters (ISO-4217)'),
});
export type Money = Readonly<z.output<typeof moneySchema>>;

/** A night or a day as the API names it: "YYYY-MM-DD", no time, no zone. */
export const CALENDAR_DATE_PATTERN = /^\d{4}-\d{2}-\d{2}$/;
export const calendarDate = z.string().regex(CALENDAR_DATE_PATTERN, 'must be a calendar date "YYYY-MM-DD"');
/** A calendar date, "YYYY-MM-DD" (see CALENDAR_DATE_PATTERN). */
export type CalendarDate = string;
