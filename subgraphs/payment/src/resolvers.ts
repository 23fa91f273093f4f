import { DateTimeScalar, perRequestLoader, type RequestContext } from '@roombook/kernel';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';
import type { Payment } from './domain/payment';
import { visiblePayment } from './domain/visibility';
import type { PaymentStore } from './paymentStore';

export function paymentResolvers(store: PaymentStore): GraphQLResolverMap<RequestContext> {
  const payments = perRequestLoader((ids) => store.findMany(ids));
  const paymentsOfReservations = perRequestLoader((ids) => store.findByReservationIds(ids));
  return {
    DateTime: DateTimeScalar,
    Query: {
      payment: async (_: unknown, { id }: { id: string }, { identity }: RequestContext) =>
        visiblePayment(identity, await store.findById(id)),
    },
    Payment: {
      __resolveReference: async (reference: Pick<Payment, 'id'>, context: RequestContext) =>
        visiblePayment(context.identity, await payments(context).load(reference.id)),
      // The reservation subgraph resolves the rest from the key.
      reservation: (payment: Payment) => ({ __typename: 'Reservation', id: payment.reservationId }),
    },
    Reservation: {
      payment: async (reservation: { id: string }, _: unknown, context: RequestContext) =>
        visiblePayment(context.identity, await paymentsOfReservations(context).load(reservation.id)),
    },
  };
}
