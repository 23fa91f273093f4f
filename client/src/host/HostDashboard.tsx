import { useMutation, useQuery, useSubscription } from '@apollo/client/react';
import { useState } from 'react';
import { Link } from 'wouter';
import { graphql } from '../gql';
import { DateText, DateTimeText, MoneyText, Rating } from '../ui/Formatted';
import { Empty, ErrorNotice, Loading } from '../ui/States';
import { PaymentStatusBadge, ReservationStatusBadge } from '../ui/Status';
import type { ReservationStatus } from '../gql/graphql';

const HOST_DASHBOARD = graphql(`
  query HostDashboard {
    dashboard(first: 100) {
      edges {
        node {
          roomId
          name
          city
          status
          pricePerNight {
            amount
            currency
          }
          reviewCount
          averageRating
          reservationCounts {
            pending
            confirmed
            rejected
            cancelled
          }
          revenue {
            amount
            currency
          }
          lastReservationStatus
          lastPaymentStatus
          updatedAt
        }
      }
    }
  }
`);

/**
 * Every change of a row of the host's rooms, wherever it happened: the same fields as the table's
 * query, so each payload refreshes the whole card in the cache. Not a shared fragment: the
 * manifest's ids hash each document with its definitions sorted, while Apollo's APQ fallback
 * sends the text as written; with one definition per document the two are the same text.
 */
const DASHBOARD_ROW_CHANGED = graphql(`
  subscription DashboardRowChanged {
    dashboardUpdated {
      roomId
      name
      city
      status
      pricePerNight {
        amount
        currency
      }
      reviewCount
      averageRating
      reservationCounts {
        pending
        confirmed
        rejected
        cancelled
      }
      revenue {
        amount
        currency
      }
      lastReservationStatus
      lastPaymentStatus
      updatedAt
    }
  }
`);

/** The bookings of the host's rooms as they change: the row says how many, this says which. */
const HOST_BOOKING_CHANGED = graphql(`
  subscription HostBookingChanged {
    reservationStatusChanged {
      id
      guestId
      checkIn
      checkOut
      status
      updatedAt
      totalPrice {
        amount
        currency
      }
      room {
        id
        name
      }
    }
  }
`);

const REMOVE_ROOM = graphql(`
  mutation RemoveRoom($id: ID!) {
    removeRoom(id: $id) {
      id
      status
    }
  }
`);

interface Activity {
  readonly key: string;
  readonly reservationId: string;
  readonly roomName: string;
  readonly guestId: string;
  readonly checkIn: string;
  readonly checkOut: string;
  readonly status: ReservationStatus;
  readonly at: string;
}

/** The host's live dashboard: one row per room from the read model, and bookings as they happen. */
export function HostDashboard() {
  const { data, loading, error, refetch } = useQuery(HOST_DASHBOARD);
  const [activity, setActivity] = useState<readonly Activity[]>([]);
  const known = new Set(data?.dashboard.edges.map(({ node }) => node.roomId));
  useSubscription(DASHBOARD_ROW_CHANGED, {
    // A changed row updates itself in the cache; a new room's first row joins the table.
    onData: ({ data: change }) => {
      const roomId = change.data?.dashboardUpdated.roomId;
      if (roomId && !known.has(roomId)) void refetch();
    },
  });
  useSubscription(HOST_BOOKING_CHANGED, {
    onData: ({ data: change }) => {
      const booking = change.data?.reservationStatusChanged;
      if (!booking) return;
      setActivity((previous) =>
        [
          {
            key: `${booking.id}-${booking.status}-${booking.updatedAt}`,
            reservationId: booking.id,
            roomName: booking.room.name,
            guestId: booking.guestId,
            checkIn: booking.checkIn,
            checkOut: booking.checkOut,
            status: booking.status,
            at: booking.updatedAt,
          },
          ...previous.filter((each) => each.key !== `${booking.id}-${booking.status}-${booking.updatedAt}`),
        ].slice(0, 20),
      );
    },
  });
  const rows = data?.dashboard.edges.map(({ node }) => node) ?? [];

  return (
    <section aria-labelledby="host-title">
      <div className="title-row">
        <h1 id="host-title">Your rooms</h1>
        <Link href="/host/rooms/new" className="button primary">
          Register a room
        </Link>
      </div>
      <ErrorNotice error={error} />
      {loading && !data && <Loading what="your dashboard" />}
      {data && rows.length === 0 && (
        <Empty title="You have no rooms yet.">
          <p>
            <Link href="/host/rooms/new">Register your first room</Link>: its bookings, payments and reviews show up
            here as they happen.
          </p>
        </Empty>
      )}
      {rows.length > 0 && (
        <ul className="cards" aria-label="Dashboard">
          {rows.map((row) => (
            <li key={row.roomId} className="card dashboard-row" data-room={row.roomId}>
              <h2>
                {row.name}
                {row.status === 'REMOVED' && <span className="badge badge-neutral"> Removed</span>}
              </h2>
              <p className="muted">
                {row.city} · <MoneyText money={row.pricePerNight} /> a night ·{' '}
                <Rating average={row.averageRating} count={row.reviewCount} />
              </p>
              <dl className="counts">
                <div>
                  <dt>Pending</dt>
                  <dd data-count="pending">{row.reservationCounts.pending}</dd>
                </div>
                <div>
                  <dt>Confirmed</dt>
                  <dd data-count="confirmed">{row.reservationCounts.confirmed}</dd>
                </div>
                <div>
                  <dt>Rejected</dt>
                  <dd data-count="rejected">{row.reservationCounts.rejected}</dd>
                </div>
                <div>
                  <dt>Cancelled</dt>
                  <dd data-count="cancelled">{row.reservationCounts.cancelled}</dd>
                </div>
                <div>
                  <dt>Revenue</dt>
                  <dd data-count="revenue">
                    <MoneyText money={row.revenue} />
                  </dd>
                </div>
              </dl>
              <p className="badges">
                {row.lastReservationStatus && (
                  <span>
                    Last booking: <ReservationStatusBadge status={row.lastReservationStatus} />
                  </span>
                )}
                {row.lastPaymentStatus && (
                  <span>
                    Last payment: <PaymentStatusBadge status={row.lastPaymentStatus} />
                  </span>
                )}
              </p>
              <p className="muted small">
                Updated <DateTimeText instant={row.updatedAt} />
              </p>
              {row.status === 'ACTIVE' && <RoomActions roomId={row.roomId} name={row.name} />}
            </li>
          ))}
        </ul>
      )}
      <section aria-labelledby="activity-title" className="activity">
        <h2 id="activity-title">Live bookings</h2>
        {activity.length === 0 ? (
          <p className="muted">Bookings of your rooms appear here the moment they change.</p>
        ) : (
          <ul aria-label="Live bookings">
            {activity.map((each) => (
              <li key={each.key} data-reservation={each.reservationId}>
                <ReservationStatusBadge status={each.status} /> {each.roomName}: {each.guestId},{' '}
                <DateText date={each.checkIn} /> → <DateText date={each.checkOut} />{' '}
                <span className="muted small">
                  (<DateTimeText instant={each.at} />)
                </span>
              </li>
            ))}
          </ul>
        )}
      </section>
    </section>
  );
}

function RoomActions({ roomId, name }: { readonly roomId: string; readonly name: string }) {
  const [confirming, setConfirming] = useState(false);
  const [remove, { loading, error }] = useMutation(REMOVE_ROOM, { refetchQueries: ['HostDashboard'] });
  return (
    <div className="actions">
      <Link href={`/host/rooms/${roomId}/edit`} className="button">
        Edit<span className="visually-hidden"> {name}</span>
      </Link>
      {!confirming ? (
        <button type="button" onClick={() => setConfirming(true)}>
          Remove<span className="visually-hidden"> {name}</span>…
        </button>
      ) : (
        <div className="confirm" role="group" aria-label={`Remove ${name}`}>
          <p>
            Removing {name} stops new bookings. Its upcoming pending and confirmed bookings are cancelled and their
            guests refunded in full.
          </p>
          <ErrorNotice error={error} />
          <button
            type="button"
            className="danger"
            disabled={loading}
            onClick={() => void remove({ variables: { id: roomId } }).catch(() => undefined)}
          >
            {loading ? 'Removing…' : 'Remove and refund its bookings'}
          </button>
          <button type="button" onClick={() => setConfirming(false)}>
            Keep it
          </button>
        </div>
      )}
    </div>
  );
}
