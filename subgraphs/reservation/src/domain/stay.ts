import { InvalidInput, addDays, daysBetween, isCalendarDate, today } from '@roombook/kernel/domain';

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

/** The rules that need no room: dates, length of stay, and the shape of the rest. */
export function parseStayRequest(input: ReserveRoomInput, now: Date): StayRequest {
  if (input.roomId.trim() === '') throw new InvalidInput('input.roomId', 'must not be empty');
  assertStayDates(input.checkIn, input.checkOut, 'input.');
  if (input.checkIn < today(now)) throw new InvalidInput('input.checkIn', `must be today (${today(now)}) or later`);
  if (daysBetween(today(now), input.checkIn) > MAX_DAYS_AHEAD) {
    throw new InvalidInput('input.checkIn', `must be at most ${MAX_DAYS_AHEAD} days after today (${today(now)})`);
  }
  if (!Number.isInteger(input.guests) || input.guests < 1) throw new InvalidInput('input.guests', 'must be at least 1');
  const token = input.paymentMethod.token.trim();
  if (token === '' || token.length > MAX_TEXT) {
    throw new InvalidInput('input.paymentMethod.token', `must be 1..${MAX_TEXT} characters`);
  }
  const key = input.idempotencyKey ?? null;
  if (key !== null && (key.trim() === '' || key.length > MAX_TEXT)) {
    throw new InvalidInput('input.idempotencyKey', `must be 1..${MAX_TEXT} characters`);
  }
  return {
    roomId: input.roomId,
    checkIn: input.checkIn,
    checkOut: input.checkOut,
    guests: input.guests,
    paymentToken: token,
    idempotencyKey: key,
  };
}

export function assertStayDates(checkIn: string, checkOut: string, prefix = ''): void {
  if (!isCalendarDate(checkIn)) throw new InvalidInput(`${prefix}checkIn`, 'must be a calendar date "YYYY-MM-DD"');
  if (!isCalendarDate(checkOut)) throw new InvalidInput(`${prefix}checkOut`, 'must be a calendar date "YYYY-MM-DD"');
  const nights = daysBetween(checkIn, checkOut);
  if (nights < 1) throw new InvalidInput(`${prefix}checkOut`, `must be after ${prefix}checkIn`);
  if (nights > MAX_NIGHTS)
    throw new InvalidInput(`${prefix}checkOut`, `must be at most ${MAX_NIGHTS} nights after ${prefix}checkIn`);
}

/** The nights a stay occupies: [checkIn, checkOut), so back-to-back stays share no night. */
export function nightsOf(checkIn: string, checkOut: string): string[] {
  return Array.from({ length: daysBetween(checkIn, checkOut) }, (_, index) => addDays(checkIn, index));
}
