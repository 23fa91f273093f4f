import { useQuery, useSubscription } from '@apollo/client/react';
import { Link } from 'wouter';
import { graphql } from '../gql';
import { DateText, MoneyText } from '../ui/Formatted';
import { Empty, ErrorNotice, Loading } from '../ui/States';
import { PaymentStatusBadge, ReservationStatusBadge } from '../ui/Status';
import { TRIP_PAYMENT_CHANGED, TRIP_STATUS_CHANGED } from './tripLive';

const MY_TRIPS = graphql(`
  query MyTrips {
    myReservations(first: 50) {
      totalCount
      edges {
        node {
          id
          checkIn
          checkOut
          nights
          guests
          status
          totalPrice {
            amount
            currency
          }
          room {
            id
            name
            city
          }
          payment {
            id
            status
          }
        }
      }
    }
  }
`);

/** "My trips": every reservation of the guest, newest first, each status live. */
export function Trips() {
  const { data, loading, error, refetch } = useQuery(MY_TRIPS);
  const known = new Set(data?.myReservations.edges.map(({ node }) => node.id));
  useSubscription(TRIP_STATUS_CHANGED, {
    variables: {},
    // A trip booked elsewhere (another tab, another device) joins the list.
    onData: ({ data: change }) => {
      const id = change.data?.reservationStatusChanged.id;
      if (id && !known.has(id)) void refetch();
    },
  });
  useSubscription(TRIP_PAYMENT_CHANGED, { variables: {} });

  return (
    <section aria-labelledby="trips-title">
      <h1 id="trips-title">My trips</h1>
      <ErrorNotice error={error} />
      {loading && !data && <Loading what="your trips" />}
      {data && data.myReservations.edges.length === 0 && (
        <Empty title="No trips yet.">
          <p>
            <Link href="/">Find a stay</Link> and book it: it shows up here, with every change as it happens.
          </p>
        </Empty>
      )}
      <ul className="cards" aria-label="Trips">
        {data?.myReservations.edges.map(({ node: trip }) => (
          <li key={trip.id} className="card trip-card" data-reservation={trip.id}>
            <h2>
              <Link href={`/trips/${trip.id}`}>{trip.room.name}</Link>
            </h2>
            <p className="muted">
              {trip.room.city} · <DateText date={trip.checkIn} /> → <DateText date={trip.checkOut} /> · {trip.nights}{' '}
              {trip.nights === 1 ? 'night' : 'nights'}, {trip.guests} {trip.guests === 1 ? 'guest' : 'guests'}
            </p>
            <p className="price">
              <MoneyText money={trip.totalPrice} />
            </p>
            <p className="badges">
              <ReservationStatusBadge status={trip.status} />
              {trip.payment && <PaymentStatusBadge status={trip.payment.status} />}
            </p>
          </li>
        ))}
      </ul>
    </section>
  );
}
