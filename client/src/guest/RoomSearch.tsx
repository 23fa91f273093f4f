import { useQuery, useSubscription } from '@apollo/client/react';
import { useState, type FormEvent } from 'react';
import { Link, useLocation, useSearch } from 'wouter';
import { nightsBetween } from '../format/dates';
import { graphql } from '../gql';
import { Empty, ErrorNotice, Loading } from '../ui/States';
import { MoneyText, Rating } from '../ui/Formatted';
import { StayFields } from './StayFields';
import { stayFromQuery, stayProblem, stayQuery, type StaySearch } from './stay';

const ROOMS_FOR_STAY = graphql(`
  query RoomsForStay($filter: RoomFilter, $checkIn: Date!, $checkOut: Date!) {
    rooms(filter: $filter, first: 50) {
      totalCount
      edges {
        node {
          id
          name
          city
          capacity
          description
          pricePerNight {
            amount
            currency
          }
          averageRating
          reviewCount
          isAvailable(checkIn: $checkIn, checkOut: $checkOut)
        }
      }
    }
  }
`);

/** Public: any room registered, changed or removed; the list follows. */
const ROOM_CHANGED = graphql(`
  subscription RoomListChanged {
    roomChanged {
      id
      name
      city
      capacity
      description
      status
      pricePerNight {
        amount
        currency
      }
    }
  }
`);

/** Find a stay: rooms by city and stay, with availability and the price of the whole stay. */
export function RoomSearch() {
  const [, navigate] = useLocation();
  const searched = stayFromQuery(useSearch());
  const [draft, setDraft] = useState<StaySearch>(searched);
  const problem = stayProblem(searched);
  const nights = nightsBetween(searched.checkIn, searched.checkOut);

  const { data, loading, error, refetch } = useQuery(ROOMS_FOR_STAY, {
    variables: {
      filter: { city: searched.city || undefined, minCapacity: searched.guests },
      checkIn: searched.checkIn,
      checkOut: searched.checkOut,
    },
    skip: problem !== undefined,
  });
  const shown = new Set(data?.rooms.edges.map(({ node }) => node.id));
  useSubscription(ROOM_CHANGED, {
    // Changes to a shown room land in the cache by themselves; a new or removed room changes the list.
    onData: ({ data: change }) => {
      const room = change.data?.roomChanged;
      if (room && (!shown.has(room.id) || room.status !== 'ACTIVE')) void refetch();
    },
  });

  const search = (event: FormEvent) => {
    event.preventDefault();
    navigate(`/?${stayQuery(draft)}`);
  };

  return (
    <section aria-labelledby="search-title">
      <h1 id="search-title">Find a stay</h1>
      <form className="search" onSubmit={search} role="search" aria-label="Rooms">
        <div className="field field-wide">
          <label htmlFor="search-city">City</label>
          <input
            id="search-city"
            type="search"
            placeholder="Any city"
            autoComplete="address-level2"
            value={draft.city}
            onChange={(event) => setDraft({ ...draft, city: event.target.value })}
          />
        </div>
        <StayFields stay={draft} onChange={setDraft} />
        <button type="submit" className="primary">
          Search
        </button>
      </form>

      {problem && <p className="notice notice-error">{problem}</p>}
      <ErrorNotice error={error} />
      {loading && !data && <Loading what="rooms" />}
      {data && data.rooms.edges.length === 0 && (
        <Empty title={searched.city ? `No rooms in ${searched.city} for ${searched.guests} yet.` : 'No rooms yet.'}>
          <p>Try another city or fewer guests, or come back later: hosts add rooms all the time.</p>
        </Empty>
      )}
      {data && data.rooms.edges.length > 0 && (
        <>
          <p className="result-count" aria-live="polite">
            {data.rooms.totalCount} {data.rooms.totalCount === 1 ? 'room' : 'rooms'}
            {searched.city && ` in ${searched.city}`} for {nights} {nights === 1 ? 'night' : 'nights'}
          </p>
          <ul className="cards" aria-label="Rooms">
            {data.rooms.edges.map(({ node: room }) => (
              <li key={room.id} className="card room-card">
                <h2>
                  <Link href={`/rooms/${room.id}?${stayQuery(searched)}`}>{room.name}</Link>
                </h2>
                <p className="muted">
                  {room.city} · up to {room.capacity} {room.capacity === 1 ? 'guest' : 'guests'}
                </p>
                <p>
                  <Rating average={room.averageRating} count={room.reviewCount} />
                </p>
                <p className="price">
                  <MoneyText money={{ ...room.pricePerNight, amount: room.pricePerNight.amount * nights }} />{' '}
                  <span className="muted">
                    for {nights} {nights === 1 ? 'night' : 'nights'} (<MoneyText money={room.pricePerNight} /> a night)
                  </span>
                </p>
                <p>
                  {room.isAvailable ? (
                    <span className="badge badge-good">
                      <span aria-hidden="true">✓</span> Available
                    </span>
                  ) : (
                    <span className="badge badge-bad">
                      <span aria-hidden="true">✕</span> Booked for these dates
                    </span>
                  )}
                </p>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
