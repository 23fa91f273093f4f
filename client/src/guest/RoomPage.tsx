import { useMutation, useQuery } from '@apollo/client/react';
import { useId, useState, type FormEvent } from 'react';
import { Link, useLocation, useSearch } from 'wouter';
import { nightsBetween } from '../format/dates';
import { graphql } from '../gql';
import { useSession } from '../session/SessionContext';
import { DateTimeText, MoneyText, Rating } from '../ui/Formatted';
import { Empty, ErrorNotice, Loading } from '../ui/States';
import { StayFields } from './StayFields';
import { stayFromQuery, stayProblem, stayQuery, type StaySearch } from './stay';

const ROOM_PAGE = graphql(`
  query RoomPage($id: ID!, $checkIn: Date!, $checkOut: Date!) {
    room(id: $id) {
      id
      name
      description
      city
      capacity
      status
      amenities
      pricePerNight {
        amount
        currency
      }
      averageRating
      reviewCount
      isAvailable(checkIn: $checkIn, checkOut: $checkOut)
      reviews(first: 20) {
        edges {
          node {
            id
            rating
            comment
            authorId
            createdAt
          }
        }
      }
    }
  }
`);

const RESERVE_ROOM = graphql(`
  mutation ReserveRoom($input: ReserveRoomInput!) {
    reserveRoom(input: $input) {
      id
      status
      statusReason
    }
  }
`);

/** A retry of the same booking (a double click, a lost answer) books once: the router sees one key. */
function idempotencyKey(): string {
  return [...crypto.getRandomValues(new Uint8Array(16))].map((byte) => byte.toString(16).padStart(2, '0')).join('');
}

/** A room: what it is, what guests said, and booking it for a stay. */
export function RoomPage({ id }: { readonly id: string }) {
  const [stay, setStay] = useState<StaySearch>(stayFromQuery(useSearch()));
  const problem = stayProblem(stay);
  const { data, loading, error } = useQuery(ROOM_PAGE, {
    variables: { id, checkIn: stay.checkIn, checkOut: stay.checkOut },
    skip: problem !== undefined,
  });
  const room = data?.room;

  if (loading && !data) return <Loading what="the room" />;
  if (error && !data) return <ErrorNotice error={error} />;
  if (data && !room) {
    return (
      <Empty title="This room does not exist.">
        <Link href="/">Find another stay</Link>
      </Empty>
    );
  }
  return (
    <article aria-labelledby="room-title" className="room-page">
      <p>
        <Link href={`/?${stayQuery(stay)}`}>← Back to the search</Link>
      </p>
      {room && (
        <>
          <h1 id="room-title">{room.name}</h1>
          <p className="muted">
            {room.city} · up to {room.capacity} {room.capacity === 1 ? 'guest' : 'guests'} ·{' '}
            <Rating average={room.averageRating} count={room.reviewCount} />
          </p>
          {room.description && <p>{room.description}</p>}
          {room.amenities.length > 0 && (
            <ul className="tags" aria-label="Amenities">
              {room.amenities.map((amenity) => (
                <li key={amenity}>{amenity}</li>
              ))}
            </ul>
          )}
        </>
      )}
      <div className="columns">
        <section aria-labelledby="book-title" className="panel">
          <h2 id="book-title">Book</h2>
          {room?.status === 'REMOVED' ? (
            <p>This room is no longer listed.</p>
          ) : (
            <BookingForm
              roomId={id}
              stay={stay}
              onStayChange={setStay}
              problem={problem}
              capacity={room?.capacity}
              pricePerNight={room?.pricePerNight}
              available={room?.isAvailable}
            />
          )}
        </section>
        <section aria-labelledby="reviews-title" className="reviews">
          <h2 id="reviews-title">Reviews</h2>
          {room && room.reviews.edges.length === 0 && <p className="muted">No reviews yet.</p>}
          <ul className="review-list">
            {room?.reviews.edges.map(({ node: review }) => (
              <li key={review.id}>
                <p>
                  <span className="stars" aria-label={`${review.rating} out of 5`}>
                    {'★'.repeat(review.rating)}
                    {'☆'.repeat(5 - review.rating)}
                  </span>{' '}
                  <span className="muted">
                    {review.authorId}, <DateTimeText instant={review.createdAt} />
                  </span>
                </p>
                {review.comment && <p>{review.comment}</p>}
              </li>
            ))}
          </ul>
        </section>
      </div>
    </article>
  );
}

function BookingForm({
  roomId,
  stay,
  onStayChange,
  problem,
  capacity,
  pricePerNight,
  available,
}: {
  readonly roomId: string;
  readonly stay: StaySearch;
  readonly onStayChange: (stay: StaySearch) => void;
  readonly problem: string | undefined;
  readonly capacity: number | undefined;
  readonly pricePerNight: { readonly amount: number; readonly currency: string } | undefined;
  readonly available: boolean | undefined;
}) {
  const { session, hasRole } = useSession();
  const [, navigate] = useLocation();
  const cardId = useId();
  const [card, setCard] = useState('tok_visa');
  const [key] = useState(idempotencyKey);
  const [reserve, { loading, error }] = useMutation(RESERVE_ROOM);
  const nights = nightsBetween(stay.checkIn, stay.checkOut);

  const book = async (event: FormEvent) => {
    event.preventDefault();
    const { data } = await reserve({
      variables: {
        input: {
          roomId,
          checkIn: stay.checkIn,
          checkOut: stay.checkOut,
          guests: stay.guests,
          paymentMethod: { token: card.trim() },
          idempotencyKey: `${key}-${stay.checkIn}-${stay.checkOut}-${stay.guests}-${card.trim()}`,
        },
      },
    }).catch(() => ({ data: undefined }));
    if (data) navigate(`/trips/${data.reserveRoom.id}`);
  };

  return (
    <form onSubmit={(event) => void book(event)} aria-label="Book this room">
      <div className="field-row">
        <StayFields stay={stay} onChange={onStayChange} maxGuests={capacity} />
      </div>
      {problem && <p className="notice notice-error">{problem}</p>}
      {pricePerNight && nights > 0 && (
        <p className="price">
          Total <MoneyText money={{ ...pricePerNight, amount: pricePerNight.amount * nights }} />{' '}
          <span className="muted">
            ({nights} {nights === 1 ? 'night' : 'nights'} × <MoneyText money={pricePerNight} />)
          </span>
        </p>
      )}
      {available === false && (
        <p className="badge badge-bad">
          <span aria-hidden="true">✕</span> Already booked for some of these nights
        </p>
      )}
      <div className="field">
        <label htmlFor={cardId}>Card token</label>
        <input
          id={cardId}
          required
          value={card}
          onChange={(event) => setCard(event.target.value)}
          aria-describedby={`${cardId}-hint`}
          autoComplete="off"
        />
        <p id={`${cardId}-hint`} className="hint">
          The built-in test provider approves any token except <code>tok_declined</code>.
        </p>
      </div>
      <ErrorNotice error={error} />
      {session && hasRole('GUEST') ? (
        <button type="submit" className="primary" disabled={loading || problem !== undefined || available === false}>
          {loading ? 'Booking…' : 'Book and pay'}
        </button>
      ) : (
        <p className="notice">
          <Link href={`/sign-in?next=${encodeURIComponent(`/rooms/${roomId}?${stayQuery(stay)}`)}`}>
            Sign in as a guest
          </Link>{' '}
          to book this room.
        </p>
      )}
    </form>
  );
}
