import { formatDate, formatDateTime } from '../format/dates';
import { formatMoney, type Money } from '../format/money';

export function MoneyText({ money }: { readonly money: Money }) {
  return <span className="money">{formatMoney(money)}</span>;
}

export function DateText({ date }: { readonly date: string }) {
  return <time dateTime={date}>{formatDate(date)}</time>;
}

export function DateTimeText({ instant }: { readonly instant: string }) {
  return <time dateTime={instant}>{formatDateTime(instant)}</time>;
}

/** "★ 4.5 (12 reviews)" or "No reviews yet". */
export function Rating({ average, count }: { readonly average: number | null | undefined; readonly count: number }) {
  if (count === 0 || average == null) return <span className="rating">No reviews yet</span>;
  return (
    <span className="rating">
      <span aria-hidden="true">★</span> {average.toFixed(1)}
      <span className="visually-hidden"> out of 5</span> ({count} {count === 1 ? 'review' : 'reviews'})
    </span>
  );
}
