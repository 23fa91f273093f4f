import { useId } from 'react';
import { dateInDays } from '../format/dates';
import type { StaySearch } from './stay';

/** Check-in, check-out and guests: the same labelled fields on the search and on a room's page. */
export function StayFields({
  stay,
  onChange,
  maxGuests = 50,
}: {
  readonly stay: StaySearch;
  readonly onChange: (stay: StaySearch) => void;
  readonly maxGuests?: number;
}) {
  const id = useId();
  return (
    <>
      <div className="field">
        <label htmlFor={`${id}-in`}>Check-in</label>
        <input
          id={`${id}-in`}
          type="date"
          required
          min={dateInDays(0)}
          value={stay.checkIn}
          onChange={(event) => onChange({ ...stay, checkIn: event.target.value })}
        />
      </div>
      <div className="field">
        <label htmlFor={`${id}-out`}>Check-out</label>
        <input
          id={`${id}-out`}
          type="date"
          required
          min={stay.checkIn || dateInDays(1)}
          value={stay.checkOut}
          onChange={(event) => onChange({ ...stay, checkOut: event.target.value })}
        />
      </div>
      <div className="field field-narrow">
        <label htmlFor={`${id}-guests`}>Guests</label>
        <input
          id={`${id}-guests`}
          type="number"
          required
          min={1}
          max={maxGuests}
          value={stay.guests}
          onChange={(event) => onChange({ ...stay, guests: Math.max(1, Number(event.target.value) || 1) })}
        />
      </div>
    </>
  );
}
