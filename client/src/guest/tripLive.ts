import { graphql } from '../gql';

/**
 * What every view of a trip keeps live: a reservation's status changes (with its payment, which
 * the payment subgraph resolves into the same payload) and its payment's (linked back to its
 * reservation, so a payment that appears after booking joins the trip in the cache).
 */
export const TRIP_STATUS_CHANGED = graphql(`
  subscription TripStatusChanged($reservationId: ID) {
    reservationStatusChanged(reservationId: $reservationId) {
      id
      status
      statusReason
      updatedAt
      history {
        status
        at
        reason
      }
      payment {
        id
        status
        failureReason
        updatedAt
      }
    }
  }
`);

export const TRIP_PAYMENT_CHANGED = graphql(`
  subscription TripPaymentChanged($reservationId: ID) {
    paymentStatusChanged(reservationId: $reservationId) {
      id
      status
      failureReason
      updatedAt
      amount {
        amount
        currency
      }
      reservation {
        id
        payment {
          id
        }
      }
    }
  }
`);
