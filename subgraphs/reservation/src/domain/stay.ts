import { InvalidInput, addDays, daysBetween, isCalendarDate, parseInput, today } from '@roombook/kernel/domain';
import { z } from 'zod';

export const MAX_NIGHTS = 365;
/** How far ahead a stay may start: no room's price or calendar is planned further out. */
export const MAX_DAYS_AHEAD = 730;
const MAX_TEXT = 200;

export interface StayRequest {
  readonly roomId: string;
  readonly checkIn: string;
  readonly checkOut: string;
  readonly guests: number;
  readonly paymentToken: string;
  readonly idempotencyKey: string | null;
}

export interface ReserveRoomInput {
  readonly roomId: string;
  readonly checkIn: string;
  readonly checkOut: string;
  readonly guests: number;
  readonly paymentMethod: { readonly token: string };
  readonly idempotencyKey?: string | null;
}

const TEXT_RULE = `must be 1..${MAX_TEXT} characters`;

/** The shape of a stay request; its dates are checked together, in stayDatesProblem. */
const stayRequest = z.object({
  roomId: z.string().refine((id) => id.trim() !== '', 'must not be empty'),
  checkIn: z.string(),
  checkOut: z.string(),
  guests: z.number().int('must be at least 1').min(1, 'must be at least 1'),
  paymentMethod: z.object({ token: z.string().trim().min(1, TEXT_RULE).max(MAX_TEXT, TEXT_RULE) }),
  idempotencyKey: z
    .string()
    .refine((key) => key.trim() !== '' && key.length <= MAX_TEXT, TEXT_RULE)
    .nullish()
    .transform((key) => key ?? null),
});

/**
 * The rules that need no room: dates, length of stay, and the shape of the rest. The shape first
 * (its first broken rule is the answer either way), then the dates, which depend on `now`: a
 * schema refined per request was compiled by zod per request (~1 ms each in a booking burst).
 */
export function parseStayRequest(input: ReserveRoomInput, now: Date): StayRequest {
  const stay = parseInput(stayRequest, input);
  const problem = stayDatesProblem(stay.checkIn, stay.checkOut, 'input.') ?? startProblem(stay.checkIn, now);
  if (problem) throw new InvalidInput(`input.${problem.field}`, problem.rule);
  return {
    roomId: stay.roomId,
    checkIn: stay.checkIn,
    checkOut: stay.checkOut,
    guests: stay.guests,
    paymentToken: stay.paymentMethod.token,
    idempotencyKey: stay.idempotencyKey,
  };
}

/** What is wrong with a stay's dates, if anything: the field and its rule. */
function stayDatesProblem(checkIn: string, checkOut: string, prefix: string): { field: string; rule: string } | null {
  if (!isCalendarDate(checkIn)) return { field: 'checkIn', rule: 'must be a calendar date "YYYY-MM-DD"' };
  if (!isCalendarDate(checkOut)) return { field: 'checkOut', rule: 'must be a calendar date "YYYY-MM-DD"' };
  const nights = daysBetween(checkIn, checkOut);
  if (nights < 1) return { field: 'checkOut', rule: `must be after ${prefix}checkIn` };
  if (nights > MAX_NIGHTS)
    return { field: 'checkOut', rule: `must be at most ${MAX_NIGHTS} nights after ${prefix}checkIn` };
  return null;
}

/** A stay starts today at the earliest, and at most MAX_DAYS_AHEAD days ahead. */
function startProblem(checkIn: string, now: Date): { field: string; rule: string } | null {
  if (checkIn < today(now)) return { field: 'checkIn', rule: `must be today (${today(now)}) or later` };
  if (daysBetween(today(now), checkIn) > MAX_DAYS_AHEAD) {
    return { field: 'checkIn', rule: `must be at most ${MAX_DAYS_AHEAD} days after today (${today(now)})` };
  }
  return null;
}

export function assertStayDates(checkIn: string, checkOut: string, prefix = ''): void {
  const problem = stayDatesProblem(checkIn, checkOut, prefix);
  if (problem) throw new InvalidInput(`${prefix}${problem.field}`, problem.rule);
}

/** The nights a stay occupies: [checkIn, checkOut), so back-to-back stays share no night. */
export function nightsOf(checkIn: string, checkOut: string): string[] {
  return Array.from({ length: daysBetween(checkIn, checkOut) }, (_, index) => addDays(checkIn, index));
}
