import { PAYMENT_STATUSES } from '@roombook/contracts';
import {
  aggregateSchema,
  MONEY_FIELD,
  MongoAggregateStore,
  type OutboxRelay,
  type StoredAggregate,
} from '@roombook/kernel';
import { createHash } from 'node:crypto';
import type { Connection } from 'mongoose';
import { needsCardToken, type Payment } from './domain/payment';

type PaymentDocument = StoredAggregate<Payment> & {
  /** The card token, sealed, while a charge may still have to be made (retry after a crash). */
  sealedToken?: string;
};

const paymentSchema = aggregateSchema('payments', {
  // One payment per reservation: the second of two racing authorizations fails as a duplicate key.
  reservationId: { type: String, required: true, unique: true },
  roomId: { type: String, required: true },
  guestId: { type: String, required: true },
  hostId: { type: String, required: true },
  amount: MONEY_FIELD,
  status: { type: String, enum: PAYMENT_STATUSES, required: true },
  failureReason: { type: String, default: null },
  chargeId: { type: String, default: null },
  refundId: { type: String, default: null },
  cancelRequested: { type: Boolean, required: true },
  sealedToken: { type: String },
});
// Recovery looks for payments that have waited too long for the provider.
paymentSchema.index({ status: 1, updatedAt: 1 });

export interface UnfinishedPayment {
  readonly payment: Payment;
  readonly sealedToken: string | null;
}

/** Payments and their outbox in one document, so a change and its events are one write. */
export class PaymentStore extends MongoAggregateStore<Payment> {
  /** See paidBeforeDerivedIds. */
  private paidBefore: Promise<ReadonlySet<string>> | undefined;

  constructor(database: Connection, outbox: OutboxRelay) {
    super(database, 'Payment', paymentSchema, outbox, {
      hidden: ['sealedToken'],
      fromStored: (payment) => ({
        ...payment,
        failureReason: payment.failureReason ?? null,
        chargeId: payment.chargeId ?? null,
        refundId: payment.refundId ?? null,
      }),
      // The sealed card token is kept only while a charge may still need it.
      dropOnSave: (payment) => (needsCardToken(payment) ? [] : ['sealedToken']),
    });
    // Read while the service starts, not on its first booking (a failure is read again when needed).
    this.paidBeforeDerivedIds().catch(() => undefined);
  }

  /**
   * The id of a reservation's payment (one per reservation), derived from the reservation's: its
   * payment is then found by _id, which FerretDB on SQLite answers from its key, where a filter on
   * reservationId decodes every payment (measured: two such scans per booking, growing with the
   * collection). Payments stored before carry an ObjectId and are found by findByReservationId.
   */
  static idFor(reservationId: string): string {
    return createHash('sha256').update(`payment\u0000${reservationId}`).digest('hex').slice(0, 24);
  }

  /**
   * The reservation's payment if it has one under the derived id: a lookup by key that misses a
   * payment stored before ids were derived. Fit where a miss is then settled by an insert, which
   * the unique reservationId refuses for such a payment (then findByReservationId finds it).
   */
  findKeyed(reservationId: string): Promise<Payment | null> {
    return this.findById(PaymentStore.idFor(reservationId));
  }

  /**
   * The reservation's payment: by its derived _id, or by reservationId for a reservation paid before
   * ids were derived. A payment an older version stores while this one runs (a rolling update from
   * before derived ids) is missed here; a caller that then charges does so under the same
   * idempotency key (the provider answers a repeat with its first result), and its insert is refused
   * by the unique reservationId (see chargeReservation).
   */
  async findOfReservation(reservationId: string): Promise<Payment | null> {
    const keyed = await this.findKeyed(reservationId);
    if (keyed || !(await this.paidBeforeDerivedIds()).has(reservationId)) return keyed;
    return this.findByReservationId(reservationId);
  }

  /**
   * The reservations whose payments were stored before ids were derived, read once: the only ones
   * whose payment a lookup by _id misses. Since derived ids nothing adds to them.
   */
  private paidBeforeDerivedIds(): Promise<ReadonlySet<string>> {
    this.paidBefore ??= this.model
      .find({}, { reservationId: 1 })
      .lean<{ _id: string; reservationId: string }[]>()
      .then(
        (payments) =>
          new Set(
            payments
              .filter((payment) => payment._id !== PaymentStore.idFor(payment.reservationId))
              .map((payment) => payment.reservationId),
          ),
      );
    this.paidBefore.catch(() => (this.paidBefore = undefined));
    return this.paidBefore;
  }

  /** The reservation's payment, whatever its id (on FerretDB/SQLite a scan of the payments). */
  async findByReservationId(reservationId: string): Promise<Payment | null> {
    return (await this.find({ reservationId }))[0] ?? null;
  }

  /** The payment of each of these reservations that has one, in one query. */
  async findByReservationIds(reservationIds: readonly string[]): Promise<Map<string, Payment>> {
    const payments = await this.find({ reservationId: { $in: reservationIds } });
    return new Map(payments.map((payment) => [payment.reservationId, payment]));
  }

  /** False when the reservation already has a payment (someone else got there first). */
  insertWithToken(payment: Payment, sealedToken: string): Promise<boolean> {
    return this.insert(payment, [], { stored: { sealedToken } });
  }

  /** Payments still waiting for the provider since before `since`: their attempt was most likely lost. */
  async findUnfinished(since: Date, limit: number): Promise<UnfinishedPayment[]> {
    const documents = await this.model
      .find({ status: { $in: ['PENDING', 'REFUND_PENDING'] }, updatedAt: { $lt: since } }, { outbox: 0 })
      .sort({ updatedAt: 1 })
      .limit(limit)
      .lean<PaymentDocument[]>();
    return documents.map((document) => ({
      payment: this.toState(document),
      sealedToken: document.sealedToken ?? null,
    }));
  }
}
