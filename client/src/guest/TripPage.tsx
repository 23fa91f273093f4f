import { useMutation, useQuery, useSubscription } from '@apollo/client/react';
import { useId, useState, type FormEvent } from 'react';
import { Link } from 'wouter';
import { graphql } from '../gql';
import { DateText, DateTimeText, MoneyText } from '../ui/Formatted';
import { Empty, ErrorNotice, Loading } from '../ui/States';
import { PaymentStatusBadge, ReservationStatusBadge, reservationStatusLabel } from '../ui/Status';
import { TRIP_PAYMENT_CHANGED, TRIP_STATUS_CHANGED } from './tripLive';

const TRIP = graphql(`
  query Trip($id: ID!) {
    reservation(id: $id) {
      id
      checkIn
      checkOut
      nights
      guests
      status
      statusReason
      totalPrice {
        amount
        currency
      }
      history {
        status
        at
        reason
      }
      room {
        id
        name
        city
      }
      payment {
        id
        status
        failureReason
        amount {
          amount
          currency
        }
      }
    }
  }
`);

const CANCEL_TRIP = graphql(`
  mutation CancelTrip($id: ID!, $reason: String) {
    cancelReservation(id: $id, reason: $reason) {
      id
      status
      statusReason
    }
  }
`);

const WRITE_REVIEW = graphql(`
  mutation WriteReview($input: WriteReviewInput!) {
    writeReview(input: $input) {
      id
      rating
      comment
      room {
        id
        averageRating
        reviewCount
      }
    }
  }
`);

/** One trip: its status and payment as they change, its history, cancelling, reviewing. */
export function TripPage({ id }: { readonly id: string }) {
  const { data, loading, error } = useQuery(TRIP, { variables: { id } });
  useSubscription(TRIP_STATUS_CHANGED, { variables: { reservationId: id } });
  useSubscription(TRIP_PAYMENT_CHANGED, { variables: { reservationId: id } });
  const trip = data?.reservation;

  if (loading && !data) return <Loading what="your trip" />;
  if (error && !data) return <ErrorNotice error={error} />;
  if (!trip) {
    return (
      <Empty title="There is no such trip.">
        <Link href="/trips">See all your trips</Link>
      </Empty>
    );
  }
  const cancellable = trip.status === 'PENDING' || trip.status === 'CONFIRMED';
  return (
    <article aria-labelledby="trip-title" className="trip-page">
      <p>
        <Link href="/trips">← My trips</Link>
      </p>
      <h1 id="trip-title">{trip.room.name}</h1>
      <p className="muted">
        {trip.room.city} · <DateText date={trip.checkIn} /> → <DateText date={trip.checkOut} /> · {trip.nights}{' '}
        {trip.nights === 1 ? 'night' : 'nights'}, {trip.guests} {trip.guests === 1 ? 'guest' : 'guests'}
      </p>
      <div className="trip-status" role="status" aria-live="polite">
        <p>
          Booking: <ReservationStatusBadge status={trip.status} />
          {trip.statusReason && <span className="muted"> ({trip.statusReason})</span>}
        </p>
        <p>
          Payment of <MoneyText money={trip.totalPrice} />:{' '}
          {trip.payment ? (
            <PaymentStatusBadge status={trip.payment.status} />
          ) : (
            <span className="muted">not started yet</span>
          )}
          {trip.payment?.failureReason && <span className="muted"> ({trip.payment.failureReason})</span>}
        </p>
      </div>

      <div className="columns">
        <section aria-labelledby="history-title" className="panel">
          <h2 id="history-title">History</h2>
          <ol className="timeline">
            {trip.history.map((change) => (
              <li key={`${change.status}-${change.at}`}>
                <strong>{reservationStatusLabel(change.status)}</strong> <DateTimeText instant={change.at} />
                {change.reason && <span className="muted"> ({change.reason})</span>}
              </li>
            ))}
          </ol>
        </section>
        <div>
          {cancellable && <CancelTrip id={trip.id} />}
          {trip.status === 'CONFIRMED' && <ReviewStay reservationId={trip.id} />}
        </div>
      </div>
    </article>
  );
}

function CancelTrip({ id }: { readonly id: string }) {
  const reasonId = useId();
  const [confirming, setConfirming] = useState(false);
  const [reason, setReason] = useState('');
  const [cancel, { loading, error }] = useMutation(CANCEL_TRIP);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void cancel({ variables: { id, reason: reason.trim() || undefined } }).catch(() => undefined);
  };
  return (
    <section aria-labelledby="cancel-title" className="panel">
      <h2 id="cancel-title">Cancel this trip</h2>
      {!confirming ? (
        <button type="button" onClick={() => setConfirming(true)}>
          Cancel trip…
        </button>
      ) : (
        <form onSubmit={submit} aria-label="Cancel this trip">
          <p>What you paid is refunded in full; the nights become free for others.</p>
          <div className="field">
            <label htmlFor={reasonId}>Reason (optional)</label>
            <input id={reasonId} value={reason} maxLength={500} onChange={(event) => setReason(event.target.value)} />
          </div>
          <ErrorNotice error={error} />
          <div className="actions">
            <button type="submit" className="danger" disabled={loading}>
              {loading ? 'Cancelling…' : 'Yes, cancel and refund'}
            </button>
            <button type="button" onClick={() => setConfirming(false)}>
              Keep my trip
            </button>
          </div>
        </form>
      )}
    </section>
  );
}

function ReviewStay({ reservationId }: { readonly reservationId: string }) {
  const id = useId();
  const [rating, setRating] = useState(5);
  const [comment, setComment] = useState('');
  const [write, { data, loading, error }] = useMutation(WRITE_REVIEW);
  if (data) {
    return (
      <section className="panel" aria-labelledby={`${id}-done`}>
        <h2 id={`${id}-done`}>Thank you for your review</h2>
        <p>
          You rated this stay {data.writeReview.rating} out of 5. The room now has {data.writeReview.room.reviewCount}{' '}
          {data.writeReview.room.reviewCount === 1 ? 'review' : 'reviews'}.
        </p>
      </section>
    );
  }
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void write({
      variables: { input: { reservationId, rating, comment: comment.trim() || undefined } },
    }).catch(() => undefined);
  };
  return (
    <section aria-labelledby={`${id}-title`} className="panel">
      <h2 id={`${id}-title`}>Review your stay</h2>
      <form onSubmit={submit} aria-label="Review your stay">
        <fieldset className="rating-input">
          <legend>Rating</legend>
          {[1, 2, 3, 4, 5].map((value) => (
            <label key={value}>
              <input
                type="radio"
                name={`${id}-rating`}
                value={value}
                checked={rating === value}
                onChange={() => setRating(value)}
              />
              {value} <span aria-hidden="true">★</span>
            </label>
          ))}
        </fieldset>
        <div className="field">
          <label htmlFor={`${id}-comment`}>Comment (optional)</label>
          <textarea
            id={`${id}-comment`}
            rows={3}
            maxLength={2000}
            value={comment}
            onChange={(event) => setComment(event.target.value)}
          />
        </div>
        <ErrorNotice error={error} />
        <button type="submit" className="primary" disabled={loading}>
          {loading ? 'Sending…' : 'Send review'}
        </button>
      </form>
    </section>
  );
}
