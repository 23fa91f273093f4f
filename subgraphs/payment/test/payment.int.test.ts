import { randomUUID } from 'node:crypto';
import {
  CARD_TOKEN_SEAL_PURPOSE,
  PAYMENT_AUTHORIZATION,
  createEvent,
  type EventEnvelope,
  type PaymentAuthorizationResponse,
} from '@roombook/contracts';
import {
  ANONYMOUS,
  IDENTITY_HEADER,
  InternalTokens,
  Sealer,
  ServiceClient,
  connectBroker,
  createLogger,
  type Broker,
  type Identity,
  type RunningService,
} from '@roombook/kernel';
import { MongoClient, type Collection, type Db } from 'mongodb';
import mongoose from 'mongoose';
import { postGraphQL, errorCodes } from '../../../test/support/graphqlClient';
import { dropDatabases, testMongoUrl, uniqueDbPrefix } from '../../../test/support/mongo';
import { startNatsServer, type TestNatsServer } from '../../../test/support/natsServer';
import { consumerHasAcked, eventually, readStream } from '../../../test/support/streams';
import { configSchema, type PaymentConfig } from '../src/config';
import { openPayment } from '../src/domain/payment';
import { PaymentStore } from '../src/paymentStore';
import { startPaymentService } from '../src/service';

/** PaymentStore.findUnfinished's filter: payments still PENDING or REFUND_PENDING since before a time. */
function isRecoveryScan(filter: unknown): boolean {
  return typeof filter === 'object' && filter !== null && 'status' in filter && 'updatedAt' in filter;
}

/** One payment service against its own nats-server and databases, as the reservation context sees it. */
interface Testbed {
  readonly config: PaymentConfig;
  readonly nats: TestNatsServer;
  readonly service: RunningService;
  readonly payments: Collection<{ _id: string; reservationId: string; [field: string]: unknown }>;
  readonly ledger: Collection<{ _id: string; [field: string]: unknown }>;
  authorize(body: Record<string, unknown>): Promise<PaymentAuthorizationResponse>;
  /** Publishes as the reservation context would; returns the message's stream sequence. */
  publishReservationEvent(subject: string, event: EventEnvelope, msgID?: string): Promise<number>;
  paymentEvents(reservationId: string): Promise<EventEnvelope[]>;
  /** Whether the payment consumer has handled (and acknowledged) the message at this sequence and all before it. */
  handled(sequence: number): Promise<boolean>;
  stop(): Promise<void>;
}

/** `before`: what the database holds when the service starts (payments an earlier version stored). */
async function startTestbed(latencyMs: number, before?: (database: Db) => Promise<void>): Promise<Testbed> {
  const nats = await startNatsServer();
  const prefix = uniqueDbPrefix();
  const config = configSchema.parse({
    PORT: '0',
    MONGO_URL: testMongoUrl(),
    MONGO_DB_PREFIX: prefix,
    NATS_URL: nats.url,
    PAYMENT_LATENCY_MS: String(latencyMs),
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    NODE_ENV: 'test',
  });
  const mongo = await new MongoClient(testMongoUrl()).connect();
  const database = mongo.db(`${prefix}_payment`);
  await before?.(database);
  const service = await startPaymentService(config);
  const broker: Broker = await connectBroker(nats.url, 'test-reservation', createLogger('test', 'silent'));
  const client = new ServiceClient('reservation', new InternalTokens(config.SUBGRAPH_SECRET));
  const baseUrl = service.url.replace(/\/graphql$/, '');
  return {
    config,
    nats,
    service,
    payments: database.collection('payments'),
    ledger: database.collection('provider_ledger'),
    authorize: (body) =>
      client.postJson<PaymentAuthorizationResponse>('payment', `${baseUrl}${PAYMENT_AUTHORIZATION.path}`, body, 10_000),
    async publishReservationEvent(subject, event, msgID = event.id) {
      return (await broker.jetstream.publish(subject, JSON.stringify(event), { msgID })).seq;
    },
    async paymentEvents(reservationId) {
      const stored = await readStream(nats.url, 'PAYMENTS');
      return stored.filter(({ event }) => event.correlationId === reservationId).map(({ event }) => event);
    },
    handled: (sequence) => consumerHasAcked(nats.url, 'RESERVATIONS', 'payment-reservations', sequence),
    async stop() {
      await broker.close();
      await service.stop();
      await mongo.close();
      await nats.close();
      await dropDatabases(prefix);
    },
  };
}

function authorization(reservationId: string, token = 'tok_visa') {
  return {
    reservationId,
    roomId: 'room-1',
    guestId: 'gus',
    hostId: 'hana',
    amount: { amount: 36000, currency: 'EUR' },
    token,
  };
}

/** A payment as stored while its charge is in flight (opened, nothing charged yet), under `_id`. */
function chargeInFlight(id: string, reservationId: string) {
  const { token: _token, ...request } = authorization(reservationId);
  const { id: _id, ...payment } = openPayment(request, id, new Date());
  return { _id, ...payment, outbox: [] };
}

function reservationEvent(type: string, reservationId: string, version: number, data: Record<string, unknown> = {}) {
  return createEvent({
    type,
    aggregateId: reservationId,
    aggregateVersion: version,
    correlationId: reservationId,
    data: {
      reservationId,
      roomId: 'room-1',
      guestId: 'gus',
      hostId: 'hana',
      checkIn: '2026-12-01',
      checkOut: '2026-12-04',
      nights: 3,
      guests: 2,
      totalPrice: { amount: 36000, currency: 'EUR' },
      status: 'PENDING',
      reason: null,
      ...data,
    },
  });
}

const types = (events: readonly EventEnvelope[]) => events.map((event) => event.type);

describe('payment service', () => {
  let bed: Testbed;
  let sealer: Sealer;

  beforeAll(async () => {
    bed = await startTestbed(0);
    sealer = new Sealer(bed.config.SUBGRAPH_SECRET, CARD_TOKEN_SEAL_PURPOSE);
  });
  afterAll(async () => {
    await bed.stop();
  });

  const charges = (reservationId: string) => bed.ledger.countDocuments({ _id: `charge:${reservationId}` });
  const refunds = (reservationId: string) => bed.ledger.countDocuments({ _id: `refund:${reservationId}` });
  const paymentOf = (reservationId: string) => bed.payments.findOne({ reservationId });

  describe('POST /internal/payments/authorize', () => {
    it('approves a charge, and answers a repeat with the same payment without charging again', async () => {
      const reservationId = randomUUID();
      const first = await bed.authorize(authorization(reservationId));
      expect(first).toEqual({ paymentId: expect.any(String), status: 'APPROVED', failureReason: null });

      const again = await bed.authorize(authorization(reservationId, 'tok_declined'));
      expect(again).toEqual(first);
      expect(await charges(reservationId)).toBe(1);

      const stored = await paymentOf(reservationId);
      expect(stored).toMatchObject({
        _id: first.paymentId,
        status: 'APPROVED',
        chargeId: expect.stringMatching(/^ch_/),
      });
      expect(stored).not.toHaveProperty('sealedToken');

      const events = await eventually(
        () => bed.paymentEvents(reservationId),
        (found) => found.length === 1,
      );
      expect(events[0]).toMatchObject({
        type: 'PaymentApproved',
        aggregateId: first.paymentId,
        correlationId: reservationId,
        causationId: null,
        data: { paymentId: first.paymentId, reservationId, status: 'APPROVED', amount: { amount: 36000 } },
      });
    });

    it("looks a new reservation's payment up by _id alone, not by a search of the payments by reservationId", async () => {
      // A filter on reservationId makes FerretDB on SQLite decode every payment, at every booking.
      const reservationId = randomUUID();
      const filters: unknown[] = [];
      mongoose.set('debug', (collection: string, method: string, filter: unknown) => {
        // The recovery's scan for lost provider calls runs every few seconds whatever the test does.
        if (collection === 'payments' && method.startsWith('find') && !isRecoveryScan(filter)) filters.push(filter);
      });
      try {
        expect(await bed.authorize(authorization(reservationId))).toMatchObject({ status: 'APPROVED' });
      } finally {
        mongoose.set('debug', false);
      }
      expect(filters).toEqual([{ _id: PaymentStore.idFor(reservationId) }]);
    });

    it('declines "tok_declined" with the reason', async () => {
      const reservationId = randomUUID();
      const answer = await bed.authorize(authorization(reservationId, 'tok_declined'));
      expect(answer).toMatchObject({ status: 'DECLINED', failureReason: 'card declined' });
      const events = await eventually(
        () => bed.paymentEvents(reservationId),
        (found) => found.length === 1,
      );
      expect(events[0]).toMatchObject({ type: 'PaymentDeclined', data: { failureReason: 'card declined' } });
    });

    it('charges once when the same reservation is authorized many times at once', async () => {
      const reservationId = randomUUID();
      const answers = await Promise.all(Array.from({ length: 5 }, () => bed.authorize(authorization(reservationId))));
      expect(new Set(answers.map((answer) => answer.paymentId)).size).toBe(1);
      // The calls that found the charge in flight waited for it instead of answering PENDING.
      expect(answers.map((answer) => answer.status)).toEqual(Array(5).fill('APPROVED'));
      expect(await charges(reservationId)).toBe(1);
    });

    it('is only for services: 401 without an identity token or with a user token', async () => {
      const url = bed.service.url.replace(/\/graphql$/, '/internal/payments/authorize');
      const post = (headers: Record<string, string>) =>
        fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body: JSON.stringify(authorization(randomUUID())),
        });
      expect((await post({})).status).toBe(401);
      const userToken = await new InternalTokens(bed.config.SUBGRAPH_SECRET).sign(
        { kind: 'user', userId: 'gus', roles: ['GUEST'] },
        'payment',
      );
      expect((await post({ [IDENTITY_HEADER]: userToken })).status).toBe(401);
    });

    it('answers 400 naming the field, never echoing the card token', async () => {
      const serviceToken = await new InternalTokens(bed.config.SUBGRAPH_SECRET).sign(
        { kind: 'service', service: 'reservation' },
        'payment',
      );
      const url = bed.service.url.replace(/\/graphql$/, '/internal/payments/authorize');
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [IDENTITY_HEADER]: serviceToken },
        body: JSON.stringify({
          ...authorization(randomUUID(), 'tok_secret_4242'),
          amount: { amount: 0, currency: 'EUR' },
        }),
      });
      expect(response.status).toBe(400);
      const text = await response.text();
      expect(JSON.parse(text)).toEqual({ error: 'amount.amount: must be greater than 0' });
      expect(text).not.toContain('tok_secret_4242');
    });
  });

  describe('reservation events', () => {
    it('charges a requested reservation once, even when the event is delivered again', async () => {
      const reservationId = randomUUID();
      const requested = reservationEvent('ReservationRequested', reservationId, 1, {
        status: 'PENDING',
        sealedPaymentToken: sealer.seal('tok_visa'),
      });
      await bed.publishReservationEvent('reservations.requested', requested);

      const [approved] = await eventually(
        () => bed.paymentEvents(reservationId),
        (found) => found.length === 1,
      );
      expect(approved).toMatchObject({
        type: 'PaymentApproved',
        correlationId: reservationId,
        causationId: requested.id,
        aggregateVersion: 2,
        data: { reservationId, roomId: 'room-1', guestId: 'gus', hostId: 'hana', status: 'APPROVED' },
      });
      expect(await paymentOf(reservationId)).toMatchObject({ status: 'APPROVED' });

      // The same event again under another message id: the stream keeps both, payment acts once.
      await bed.publishReservationEvent('reservations.requested', requested, `${requested.id}:again`);
      // A later event on the same consumer shows the redelivery has been processed.
      const marker = reservationEvent('ReservationConfirmed', reservationId, 2, { status: 'CONFIRMED' });
      const markerSequence = await bed.publishReservationEvent('reservations.confirmed', marker);
      await eventually(() => bed.handled(markerSequence), Boolean);
      expect(await charges(reservationId)).toBe(1);
      expect(types(await bed.paymentEvents(reservationId))).toEqual(['PaymentApproved']);
    });

    it('charges from the event after the synchronous call already did: nothing new', async () => {
      const reservationId = randomUUID();
      const answer = await bed.authorize(authorization(reservationId));
      const requested = reservationEvent('ReservationRequested', reservationId, 1, {
        sealedPaymentToken: sealer.seal('tok_visa'),
      });
      const sequence = await bed.publishReservationEvent('reservations.requested', requested);
      await eventually(() => bed.handled(sequence), Boolean);
      expect(await paymentOf(reservationId)).toMatchObject({ _id: answer.paymentId, status: 'APPROVED' });
      expect(await charges(reservationId)).toBe(1);
    });

    it('refunds an approved payment on cancellation: REFUND_PENDING, then REFUNDED, one refund', async () => {
      const reservationId = randomUUID();
      const { paymentId } = await bed.authorize(authorization(reservationId));
      const cancellation = reservationEvent('ReservationCancellationRequested', reservationId, 2, {
        status: 'CANCELLATION_REQUESTED',
        reason: 'plans changed',
      });
      await bed.publishReservationEvent('reservations.cancellation-requested', cancellation);
      await bed.publishReservationEvent(
        'reservations.cancellation-requested',
        cancellation,
        `${cancellation.id}:again`,
      );

      const events = await eventually(
        () => bed.paymentEvents(reservationId),
        (found) => found.length === 3,
      );
      expect(events.map((event) => [event.type, event.data, event.aggregateVersion])).toEqual([
        ['PaymentApproved', expect.objectContaining({ status: 'APPROVED' }), 2],
        ['PaymentRefundRequested', expect.objectContaining({ status: 'REFUND_PENDING' }), 3],
        ['PaymentRefunded', expect.objectContaining({ status: 'REFUNDED' }), 4],
      ]);
      expect(events[1].causationId).toBe(cancellation.id);
      // Null only when recovery finished the refund (a slow or failing first attempt on a loaded machine).
      expect([cancellation.id, null]).toContain(events[2].causationId);
      expect(await paymentOf(reservationId)).toMatchObject({ _id: paymentId, status: 'REFUNDED' });

      const marker = reservationEvent('ReservationCancelled', reservationId, 3, { status: 'CANCELLED' });
      const markerSequence = await bed.publishReservationEvent('reservations.cancelled', marker);
      await eventually(() => bed.handled(markerSequence), Boolean);
      expect(await refunds(reservationId)).toBe(1);
      expect(await bed.paymentEvents(reservationId)).toHaveLength(3);
    });

    it('does nothing for the cancellation of a declined payment or of a reservation without one', async () => {
      const declinedId = randomUUID();
      await bed.authorize(authorization(declinedId, 'tok_declined'));
      const unknownId = randomUUID();
      const cancellations = [declinedId, unknownId].map((id) =>
        reservationEvent('ReservationCancellationRequested', id, 2, { status: 'CANCELLATION_REQUESTED' }),
      );
      let last = 0;
      for (const event of cancellations)
        last = await bed.publishReservationEvent('reservations.cancellation-requested', event);
      await eventually(() => bed.handled(last), Boolean);

      expect(await paymentOf(declinedId)).toMatchObject({ status: 'DECLINED' });
      expect(await paymentOf(unknownId)).toBeNull();
      expect(await refunds(declinedId)).toBe(0);
      expect(types(await bed.paymentEvents(declinedId))).toEqual(['PaymentDeclined']);
    });
  });

  describe('recovery after a crash', () => {
    const longAgo = () => new Date(Date.now() - 60_000);
    const storedPayment = (reservationId: string, fields: Record<string, unknown>) => ({
      _id: randomUUID().replace(/-/g, '').slice(0, 24),
      reservationId,
      roomId: 'room-1',
      guestId: 'gus',
      hostId: 'hana',
      amount: { amount: 36000, currency: 'EUR' },
      failureReason: null,
      chargeId: null,
      refundId: null,
      cancelRequested: false,
      createdAt: longAgo(),
      updatedAt: longAgo(),
      version: 1,
      outbox: [],
      ...fields,
    });

    it('charges a payment left PENDING with its sealed token, then drops the token', async () => {
      const reservationId = randomUUID();
      await bed.payments.insertOne(
        storedPayment(reservationId, { status: 'PENDING', sealedToken: sealer.seal('tok_visa') }),
      );
      const recovered = await eventually(
        () => paymentOf(reservationId),
        (payment) => payment?.status === 'APPROVED',
      );
      expect(recovered).not.toHaveProperty('sealedToken');
      expect(await charges(reservationId)).toBe(1);
      const events = await eventually(
        () => bed.paymentEvents(reservationId),
        (found) => found.length === 1,
      );
      expect(events[0]).toMatchObject({ type: 'PaymentApproved', correlationId: reservationId });
    });

    it('finishes a refund left REFUND_PENDING', async () => {
      const reservationId = randomUUID();
      await bed.payments.insertOne(
        storedPayment(reservationId, { status: 'REFUND_PENDING', chargeId: 'ch_earlier', version: 3 }),
      );
      await eventually(
        () => paymentOf(reservationId),
        (payment) => payment?.status === 'REFUNDED',
      );
      expect(await refunds(reservationId)).toBe(1);
    });

    it('charges once from the event when a crash came between the provider charging and the payment being stored', async () => {
      // What the provider keeps of a synchronous charge made just before the crash: no payment was stored.
      const reservationId = randomUUID();
      await bed.ledger.insertOne({
        _id: `charge:${reservationId}`,
        kind: 'charge',
        idempotencyKey: reservationId,
        amount: { amount: 36000, currency: 'EUR' },
        result: { outcome: 'approved', chargeId: 'ch_before_the_crash' },
        recordedAt: longAgo(),
      });
      const requested = reservationEvent('ReservationRequested', reservationId, 1, {
        sealedPaymentToken: sealer.seal('tok_visa'),
      });
      await bed.publishReservationEvent('reservations.requested', requested);

      const [approved] = await eventually(
        () => bed.paymentEvents(reservationId),
        (found) => found.length === 1,
      );
      expect(approved).toMatchObject({ type: 'PaymentApproved', causationId: requested.id });
      expect(await paymentOf(reservationId)).toMatchObject({ status: 'APPROVED', chargeId: 'ch_before_the_crash' });
      expect(await charges(reservationId)).toBe(1);
    });
  });

  describe('GraphQL', () => {
    const PAYMENT = `query($id: ID!) { payment(id: $id) { id reservationId status failureReason amount { amount currency } reservation { id } createdAt updatedAt } }`;
    const ENTITIES = `query($representations: [_Any!]!) { _entities(representations: $representations) { ... on Reservation { id payment { id status } } } }`;
    let paymentId: string;
    let reservationId: string;

    beforeAll(async () => {
      reservationId = randomUUID();
      paymentId = (await bed.authorize(authorization(reservationId))).paymentId;
    });

    const ask = async (query: string, variables: Record<string, unknown>, identity: Identity) =>
      postGraphQL(bed.service.url, query, variables, {
        [IDENTITY_HEADER]: await new InternalTokens(bed.config.SUBGRAPH_SECRET).sign(identity, 'payment'),
      });
    const user = (userId: string, roles: ('HOST' | 'GUEST' | 'ADMIN')[]): Identity => ({ kind: 'user', userId, roles });

    it.each([
      ['the guest', user('gus', ['GUEST'])],
      ["the room's host", user('hana', ['HOST'])],
      ['an ADMIN', user('ada', ['ADMIN'])],
    ])('shows payment(id) to %s', async (_, identity) => {
      const response = await ask(PAYMENT, { id: paymentId }, identity);
      expect(response.errors).toBeUndefined();
      expect(response.data?.payment).toEqual({
        id: paymentId,
        reservationId,
        status: 'APPROVED',
        failureReason: null,
        amount: { amount: 36000, currency: 'EUR' },
        reservation: { id: reservationId },
        createdAt: expect.stringMatching(/Z$/),
        updatedAt: expect.stringMatching(/Z$/),
      });
    });

    it('is FORBIDDEN to anyone else and UNAUTHENTICATED to anonymous callers', async () => {
      const other = await ask(PAYMENT, { id: paymentId }, user('omar', ['GUEST', 'HOST']));
      expect(errorCodes(other)).toEqual(['FORBIDDEN']);
      expect(other.data?.payment).toBeNull();
      const anonymous = await ask(PAYMENT, { id: paymentId }, ANONYMOUS);
      expect(errorCodes(anonymous)).toEqual(['UNAUTHENTICATED']);
    });

    it('answers null for a missing id', async () => {
      const response = await ask(PAYMENT, { id: 'no-such-payment' }, user('gus', ['GUEST']));
      expect(response.errors).toBeUndefined();
      expect(response.data?.payment).toBeNull();
    });

    it('resolves Reservation.payment by the same rules', async () => {
      const representations = [
        { __typename: 'Reservation', id: reservationId },
        { __typename: 'Reservation', id: 'reservation-without-payment' },
      ];
      const guest = await ask(ENTITIES, { representations }, user('gus', ['GUEST']));
      expect(guest.errors).toBeUndefined();
      expect(guest.data?._entities).toEqual([
        { id: reservationId, payment: { id: paymentId, status: 'APPROVED' } },
        { id: 'reservation-without-payment', payment: null },
      ]);
      const other = await ask(ENTITIES, { representations: representations.slice(0, 1) }, user('omar', ['GUEST']));
      expect(errorCodes(other)).toEqual(['FORBIDDEN']);
    });
  });
});

describe('payment service with a slow provider', () => {
  let bed: Testbed;
  let sealer: Sealer;

  beforeAll(async () => {
    bed = await startTestbed(1_500);
    sealer = new Sealer(bed.config.SUBGRAPH_SECRET, CARD_TOKEN_SEAL_PURPOSE);
  });
  afterAll(async () => {
    await bed.stop();
  });

  const pendingPayment = (reservationId: string) =>
    eventually(
      () => bed.payments.findOne({ reservationId }),
      (payment) => payment?.status === 'PENDING',
    );

  it('lets the synchronous call wait for the charge the event started, and charges once', async () => {
    const reservationId = randomUUID();
    const requested = reservationEvent('ReservationRequested', reservationId, 1, {
      sealedPaymentToken: sealer.seal('tok_visa'),
    });
    await bed.publishReservationEvent('reservations.requested', requested);
    const inFlight = await pendingPayment(reservationId);

    const answer = await bed.authorize(authorization(reservationId));
    expect(answer).toEqual({ paymentId: inFlight!._id, status: 'APPROVED', failureReason: null });
    expect(await bed.ledger.countDocuments({ _id: `charge:${reservationId}` })).toBe(1);
    const [approved] = await eventually(
      () => bed.paymentEvents(reservationId),
      (found) => found.length === 1,
    );
    expect(approved).toMatchObject({ type: 'PaymentApproved', causationId: requested.id });
  });

  it('answers PENDING when a charge in flight does not settle within the wait (its attempt was lost)', async () => {
    const reservationId = randomUUID();
    await bed.payments.insertOne({
      ...chargeInFlight(PaymentStore.idFor(reservationId), reservationId),
      sealedToken: sealer.seal('tok_visa'),
    });
    const startedAt = Date.now();
    await expect(bed.authorize(authorization(reservationId))).resolves.toMatchObject({ status: 'PENDING' });
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(1_500);
    expect(await bed.ledger.countDocuments({ _id: `charge:${reservationId}` })).toBe(0);
  });

  it('refunds right away when the reservation was cancelled while its charge was in flight', async () => {
    const reservationId = randomUUID();
    const answer = bed.authorize(authorization(reservationId));
    await pendingPayment(reservationId);

    const cancellation = reservationEvent('ReservationCancellationRequested', reservationId, 2, {
      status: 'CANCELLATION_REQUESTED',
    });
    await bed.publishReservationEvent('reservations.cancellation-requested', cancellation);
    await eventually(
      () => bed.payments.findOne({ reservationId }),
      (payment) => payment?.cancelRequested === true,
    );

    await expect(answer).resolves.toMatchObject({ status: 'REFUNDED' });
    const published = await eventually(
      () => bed.paymentEvents(reservationId),
      (found) => found.length === 3,
    );
    expect(types(published)).toEqual(['PaymentApproved', 'PaymentRefundRequested', 'PaymentRefunded']);
    expect(await bed.ledger.countDocuments({ _id: `charge:${reservationId}` })).toBe(1);
    expect(await bed.ledger.countDocuments({ _id: `refund:${reservationId}` })).toBe(1);
  });
});

describe('payment service started over a payment stored before ids were derived', () => {
  const reservationId = randomUUID();
  let bed: Testbed;

  beforeAll(async () => {
    bed = await startTestbed(1_500, async (database) => {
      await database
        .collection<{ _id: string; [field: string]: unknown }>('payments')
        // An ObjectId's hex, as payments had before their ids were derived from their reservation's.
        .insertOne(chargeInFlight(new mongoose.Types.ObjectId().toHexString(), reservationId));
    });
  });
  afterAll(async () => {
    await bed.stop();
  });

  it('answers that payment to the synchronous call, waiting for its charge in flight, and charges nothing itself', async () => {
    const stored = await bed.payments.findOne({ reservationId });
    const startedAt = Date.now();
    await expect(bed.authorize(authorization(reservationId))).resolves.toEqual({
      paymentId: stored!._id,
      status: 'PENDING',
      failureReason: null,
    });
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(1_500);
    expect(await bed.ledger.countDocuments({ _id: `charge:${reservationId}` })).toBe(0);
  });
});
