import { PAYMENT_STATUSES, type OutboxEntry } from '@roombook/contracts';
import {
  isDuplicateKeyError,
  withOutbox,
  saveVersioned,
  type AggregateStore,
  type OutboxRelay,
} from '@roombook/kernel';
import { Schema, Types, type Connection, type Model } from 'mongoose';
import { needsCardToken, type Payment } from './domain/payment';

interface PaymentDocument extends Omit<Payment, 'id'> {
  _id: string;
  /** The card token, sealed, while a charge may still have to be made (retry after a crash). */
  sealedToken?: string;
  outbox: OutboxEntry[];
}

const paymentSchema = new Schema<PaymentDocument>(
  {
    _id: { type: String, required: true },
    // One payment per reservation: the second of two racing authorizations fails as a duplicate key.
    reservationId: { type: String, required: true, unique: true },
    roomId: { type: String, required: true },
    guestId: { type: String, required: true },
    hostId: { type: String, required: true },
    amount: { amount: { type: Number, required: true }, currency: { type: String, required: true } },
    status: { type: String, enum: PAYMENT_STATUSES, required: true },
    failureReason: { type: String, default: null },
    chargeId: { type: String, default: null },
    refundId: { type: String, default: null },
    cancelRequested: { type: Boolean, required: true },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
    version: { type: Number, required: true },
    sealedToken: { type: String },
  },
  { collection: 'payments', versionKey: false },
);
paymentSchema.plugin(withOutbox);
// Recovery looks for payments that have waited too long for the provider.
paymentSchema.index({ status: 1, updatedAt: 1 });

const HIDDEN = { outbox: 0, sealedToken: 0 } as const;

export interface UnfinishedPayment {
  readonly payment: Payment;
  readonly sealedToken: string | null;
}

/** Payments and their outbox in one document, so a change and its events are one write. */
export class PaymentStore implements AggregateStore<Payment> {
  private readonly payments: Model<PaymentDocument>;

  constructor(
    database: Connection,
    private readonly outbox: OutboxRelay,
  ) {
    this.payments = database.model<PaymentDocument>('Payment', paymentSchema);
    outbox.track(this.payments.collection);
  }

  newId(): string {
    return new Types.ObjectId().toHexString();
  }

  async findById(id: string): Promise<Payment | null> {
    const document = await this.payments.findById(id, HIDDEN).lean<PaymentDocument>();
    return document ? toPayment(document) : null;
  }

  async findByReservationId(reservationId: string): Promise<Payment | null> {
    const document = await this.payments.findOne({ reservationId }, HIDDEN).lean<PaymentDocument>();
    return document ? toPayment(document) : null;
  }

  async findMany(ids: readonly string[]): Promise<Map<string, Payment>> {
    const documents = await this.payments.find({ _id: { $in: ids } }, HIDDEN).lean<PaymentDocument[]>();
    return new Map(documents.map((document) => [document._id, toPayment(document)]));
  }

  /** The payment of each of these reservations that has one, in one query. */
  async findByReservationIds(reservationIds: readonly string[]): Promise<Map<string, Payment>> {
    const documents = await this.payments
      .find({ reservationId: { $in: reservationIds } }, HIDDEN)
      .lean<PaymentDocument[]>();
    return new Map(documents.map((document) => [document.reservationId, toPayment(document)]));
  }

  /** False when the reservation already has a payment (someone else got there first). */
  async insert(payment: Payment, sealedToken: string): Promise<boolean> {
    const { id, ...fields } = payment;
    try {
      await this.payments.create({ _id: id, ...fields, sealedToken, outbox: [] });
      return true;
    } catch (error) {
      if (isDuplicateKeyError(error)) return false;
      throw error;
    }
  }

  async update(payment: Payment, expectedVersion: number, events: readonly OutboxEntry[]): Promise<boolean> {
    const { id, ...fields } = payment;
    // The sealed card token is kept only while a charge may still need it.
    const unset = needsCardToken(payment) ? [] : ['sealedToken'];
    return saveVersioned(this.payments, this.outbox, { id, expectedVersion, set: fields, unset, events });
  }

  /** Payments still waiting for the provider since before `since`: their attempt was most likely lost. */
  async findUnfinished(since: Date, limit: number): Promise<UnfinishedPayment[]> {
    const documents = await this.payments
      .find({ status: { $in: ['PENDING', 'REFUND_PENDING'] }, updatedAt: { $lt: since } }, { outbox: 0 })
      .sort({ updatedAt: 1 })
      .limit(limit)
      .lean<PaymentDocument[]>();
    return documents.map((document) => ({ payment: toPayment(document), sealedToken: document.sealedToken ?? null }));
  }
}

function toPayment(document: PaymentDocument): Payment {
  const { _id, outbox: _outbox, sealedToken: _sealedToken, ...payment } = document;
  return {
    id: _id,
    ...payment,
    failureReason: payment.failureReason ?? null,
    chargeId: payment.chargeId ?? null,
    refundId: payment.refundId ?? null,
  };
}
