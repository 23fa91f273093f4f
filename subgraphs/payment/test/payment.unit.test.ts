import { PAYMENT_EVENTS, type PaymentStatus } from '@roombook/contracts';
import { ANONYMOUS, Forbidden, Unauthenticated, type Identity } from '@roombook/kernel/domain';
import {
  awaitedProviderCall,
  completeRefund,
  needsCardToken,
  openPayment,
  requestRefund,
  settleCharge,
  type Payment,
} from '../src/domain/payment';
import { visiblePayment } from '../src/domain/visibility';
import { paymentEvent } from '../src/events';

const opened = new Date('2026-11-21T10:00:00.000Z');
const later = new Date('2026-11-21T10:00:05.000Z');
const request = {
  reservationId: 'res-1',
  roomId: 'room-1',
  guestId: 'gus',
  hostId: 'hana',
  amount: { amount: 36000, currency: 'EUR' },
};
const approved = { outcome: 'approved', chargeId: 'ch_1' } as const;
const declined = { outcome: 'declined', reason: 'card declined' } as const;

function givenPayment(overrides: Partial<Payment> = {}): Payment {
  return { ...openPayment(request, 'pay-1', opened), ...overrides };
}

describe('opening a payment', () => {
  it('starts PENDING at version 1, with nothing charged and no cancellation', () => {
    expect(openPayment(request, 'pay-1', opened)).toEqual({
      id: 'pay-1',
      ...request,
      status: 'PENDING',
      failureReason: null,
      chargeId: null,
      refundId: null,
      cancelRequested: false,
      createdAt: opened,
      updatedAt: opened,
      version: 1,
    });
  });
});

describe('settling the charge', () => {
  it('given PENDING, when approved, then APPROVED with the charge id and PaymentApproved', () => {
    const change = settleCharge(givenPayment(), approved, later)!;
    expect(change.payment).toMatchObject({ status: 'APPROVED', chargeId: 'ch_1', updatedAt: later, version: 2 });
    expect(change.transitions.map(({ type }) => type)).toEqual(['PaymentApproved']);
  });

  it('given PENDING, when declined, then DECLINED with the reason and PaymentDeclined', () => {
    const change = settleCharge(givenPayment(), declined, later)!;
    expect(change.payment).toMatchObject({ status: 'DECLINED', failureReason: 'card declined', version: 2 });
    expect(change.transitions.map(({ type }) => type)).toEqual(['PaymentDeclined']);
  });

  it('given a cancellation during the charge, when approved, then approved and at once refund-pending', () => {
    const change = settleCharge(givenPayment({ cancelRequested: true, version: 2 }), approved, later)!;
    expect(change.transitions.map(({ type, payment }) => [type, payment.status, payment.version])).toEqual([
      ['PaymentApproved', 'APPROVED', 3],
      ['PaymentRefundRequested', 'REFUND_PENDING', 4],
    ]);
    expect(change.payment).toMatchObject({ status: 'REFUND_PENDING', chargeId: 'ch_1', version: 4 });
  });

  it('given a cancellation during the charge, when declined, then just DECLINED', () => {
    const change = settleCharge(givenPayment({ cancelRequested: true }), declined, later)!;
    expect(change.transitions.map(({ type }) => type)).toEqual(['PaymentDeclined']);
  });

  it.each<PaymentStatus>(['APPROVED', 'DECLINED', 'REFUND_PENDING', 'REFUNDED'])(
    'given %s (settled by another attempt), changes nothing',
    (status) => {
      expect(settleCharge(givenPayment({ status }), approved, later)).toBeNull();
      expect(settleCharge(givenPayment({ status }), declined, later)).toBeNull();
    },
  );
});

describe('a cancellation of the reservation', () => {
  it('given APPROVED, requests the refund: REFUND_PENDING and PaymentRefundRequested', () => {
    const change = requestRefund(givenPayment({ status: 'APPROVED', chargeId: 'ch_1', version: 2 }), later)!;
    expect(change.payment).toMatchObject({ status: 'REFUND_PENDING', cancelRequested: true, version: 3 });
    expect(change.transitions.map(({ type }) => type)).toEqual(['PaymentRefundRequested']);
  });

  it('given PENDING, notes the cancellation for the charge in flight, without an event', () => {
    const change = requestRefund(givenPayment(), later)!;
    expect(change.payment).toMatchObject({ status: 'PENDING', cancelRequested: true, updatedAt: opened, version: 2 });
    expect(change.transitions).toEqual([]);
  });

  it('given PENDING already noted, changes nothing', () => {
    expect(requestRefund(givenPayment({ cancelRequested: true }), later)).toBeNull();
  });

  it.each<PaymentStatus>(['DECLINED', 'REFUND_PENDING', 'REFUNDED'])('given %s, changes nothing', (status) => {
    expect(requestRefund(givenPayment({ status }), later)).toBeNull();
  });
});

describe('completing the refund', () => {
  it('given REFUND_PENDING, then REFUNDED with the refund id and PaymentRefunded', () => {
    const change = completeRefund(givenPayment({ status: 'REFUND_PENDING', version: 3 }), { refundId: 're_1' }, later)!;
    expect(change.payment).toMatchObject({ status: 'REFUNDED', refundId: 're_1', version: 4 });
    expect(change.transitions.map(({ type }) => type)).toEqual(['PaymentRefunded']);
  });

  it.each<PaymentStatus>(['PENDING', 'APPROVED', 'DECLINED', 'REFUNDED'])('given %s, changes nothing', (status) => {
    expect(completeRefund(givenPayment({ status }), { refundId: 're_1' }, later)).toBeNull();
  });
});

describe('what a payment still waits for', () => {
  it.each<[PaymentStatus, 'charge' | 'refund' | null, boolean]>([
    ['PENDING', 'charge', true],
    ['APPROVED', null, false],
    ['DECLINED', null, false],
    ['REFUND_PENDING', 'refund', false],
    ['REFUNDED', null, false],
  ])('%s awaits %s; keeps the card token: %s', (status, call, keepsToken) => {
    expect(awaitedProviderCall(givenPayment({ status }))).toBe(call);
    expect(needsCardToken(givenPayment({ status }))).toBe(keepsToken);
  });
});

describe('who may see a payment', () => {
  const user = (userId: string, roles: ('HOST' | 'GUEST' | 'ADMIN')[] = []): Identity => ({
    kind: 'user',
    userId,
    roles,
  });
  const payment = givenPayment();

  it.each([
    ['its guest', user('gus', ['GUEST'])],
    ["the room's host", user('hana', ['HOST'])],
    ['an ADMIN', user('ada', ['ADMIN'])],
  ])('%s', (_, identity) => {
    expect(visiblePayment(identity, payment)).toBe(payment);
  });

  it('not another user', () => {
    expect(() => visiblePayment(user('omar', ['HOST', 'GUEST']), payment)).toThrow(Forbidden);
  });

  it('not an anonymous caller, whether or not the payment exists', () => {
    expect(() => visiblePayment(ANONYMOUS, payment)).toThrow(Unauthenticated);
    expect(() => visiblePayment(ANONYMOUS, null)).toThrow(Unauthenticated);
  });

  it('a missing payment is null for a signed-in user', () => {
    expect(visiblePayment(user('omar'), null)).toBeNull();
  });
});

describe('published events', () => {
  it('carry the payment facts, the reservation id as correlation id and the cause', () => {
    const [transition] = settleCharge(givenPayment(), declined, later)!.transitions;
    const entry = paymentEvent(transition, 'cause-1');
    expect(entry).toMatchObject({
      subject: PAYMENT_EVENTS.definitions.PaymentDeclined.subject,
      type: 'PaymentDeclined',
      aggregateId: 'pay-1',
      aggregateVersion: 2,
      occurredAt: later.toISOString(),
      correlationId: 'res-1',
      causationId: 'cause-1',
      data: {
        paymentId: 'pay-1',
        ...request,
        status: 'DECLINED',
        failureReason: 'card declined',
      },
    });
    expect(Object.keys(entry.data as object).sort()).toEqual(
      ['paymentId', 'reservationId', 'roomId', 'guestId', 'hostId', 'amount', 'status', 'failureReason'].sort(),
    );
  });
});
