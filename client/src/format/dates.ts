/**
 * Dates as the contract sends them: a calendar Date is "YYYY-MM-DD" (no time zone: the 5th is the
 * 5th everywhere), a DateTime an ISO instant shown in the viewer's zone. Both in the viewer's locale.
 */

function calendarDate(date: string): Date {
  const [year, month, day] = date.split('-').map(Number);
  return new Date(Date.UTC(year, month - 1, day));
}

/** "Sat, 5 Dec 2026" (or however the viewer's locale writes it). */
export function formatDate(date: string, locale?: string): string {
  return calendarDate(date).toLocaleDateString(locale, {
    timeZone: 'UTC',
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    year: 'numeric',
  });
}

/** "5 Dec 2026, 14:03" in the viewer's zone. */
export function formatDateTime(instant: string, locale?: string): string {
  return new Date(instant).toLocaleString(locale, { dateStyle: 'medium', timeStyle: 'short' });
}

/** The viewer's calendar date `days` from today, as the contract writes dates. */
export function dateInDays(days: number, from: Date = new Date()): string {
  const date = new Date(from.getFullYear(), from.getMonth(), from.getDate() + days);
  const pad = (value: number) => String(value).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** Nights of the stay [checkIn, checkOut); 0 when checkOut is not after checkIn. */
export function nightsBetween(checkIn: string, checkOut: string): number {
  const nights = Math.round((calendarDate(checkOut).getTime() - calendarDate(checkIn).getTime()) / 86_400_000);
  return Number.isFinite(nights) && nights > 0 ? nights : 0;
}
