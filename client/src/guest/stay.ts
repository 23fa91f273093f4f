import { dateInDays, nightsBetween } from '../format/dates';

/** What a guest searches for: where, when, how many. Kept in the URL so a search can be shared. */
export interface StaySearch {
  readonly city: string;
  readonly checkIn: string;
  readonly checkOut: string;
  readonly guests: number;
}

export function defaultStay(): StaySearch {
  return { city: '', checkIn: dateInDays(14), checkOut: dateInDays(16), guests: 1 };
}

export function stayFromQuery(search: string): StaySearch {
  const params = new URLSearchParams(search);
  const fallback = defaultStay();
  const guests = Number(params.get('guests'));
  return {
    city: params.get('city') ?? fallback.city,
    checkIn: params.get('checkIn') ?? fallback.checkIn,
    checkOut: params.get('checkOut') ?? fallback.checkOut,
    guests: Number.isInteger(guests) && guests > 0 ? guests : fallback.guests,
  };
}

export function stayQuery(stay: StaySearch): string {
  const params = new URLSearchParams({ checkIn: stay.checkIn, checkOut: stay.checkOut, guests: String(stay.guests) });
  if (stay.city) params.set('city', stay.city);
  return params.toString();
}

/** Why these dates cannot be searched, or undefined when they can. */
export function stayProblem(stay: StaySearch): string | undefined {
  if (!stay.checkIn || !stay.checkOut) return 'Choose both dates.';
  if (stay.checkIn < dateInDays(0)) return 'Check-in cannot be in the past.';
  if (nightsBetween(stay.checkIn, stay.checkOut) === 0) return 'Check-out must be after check-in.';
  return undefined;
}
