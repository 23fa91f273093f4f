import type { PaymentStatus, ReservationStatus } from '../gql/graphql';

/**
 * A status as words and a symbol as well as a colour (colour is never the only signal), with the
 * contract's value in data-status for styling and tests.
 */
const RESERVATION: Readonly<Record<ReservationStatus, { label: string; symbol: string; tone: Tone }>> = {
  PENDING: { label: 'Pending payment', symbol: '…', tone: 'waiting' },
  CONFIRMED: { label: 'Confirmed', symbol: '✓', tone: 'good' },
  REJECTED: { label: 'Rejected: card declined', symbol: '✕', tone: 'bad' },
  CANCELLATION_REQUESTED: { label: 'Cancelling, refund on its way', symbol: '↺', tone: 'waiting' },
  CANCELLED: { label: 'Cancelled', symbol: '⊘', tone: 'neutral' },
};

const PAYMENT: Readonly<Record<PaymentStatus, { label: string; symbol: string; tone: Tone }>> = {
  PENDING: { label: 'Payment pending', symbol: '…', tone: 'waiting' },
  APPROVED: { label: 'Paid', symbol: '✓', tone: 'good' },
  DECLINED: { label: 'Card declined', symbol: '✕', tone: 'bad' },
  REFUND_PENDING: { label: 'Refund pending', symbol: '↺', tone: 'waiting' },
  REFUNDED: { label: 'Refunded', symbol: '↩', tone: 'neutral' },
};

type Tone = 'good' | 'bad' | 'waiting' | 'neutral';

function Badge({ label, symbol, tone, status }: { label: string; symbol: string; tone: Tone; status: string }) {
  return (
    <span className={`badge badge-${tone}`} data-status={status}>
      <span aria-hidden="true">{symbol}</span> {label}
    </span>
  );
}

export function ReservationStatusBadge({ status }: { readonly status: ReservationStatus }) {
  return <Badge {...RESERVATION[status]} status={status} />;
}

export function PaymentStatusBadge({ status }: { readonly status: PaymentStatus }) {
  return <Badge {...PAYMENT[status]} status={status} />;
}

export function reservationStatusLabel(status: ReservationStatus): string {
  return RESERVATION[status].label;
}

export function paymentStatusLabel(status: PaymentStatus): string {
  return PAYMENT[status].label;
}
