/** Money and dates as the app shows them: by the money's currency, in the viewer's locale, never a day off. */
import { formatDate, nightsBetween } from '../src/format/dates';
import { formatMoney, minorDigits, parseAmount } from '../src/format/money';

it('formats minor units by their currency', () => {
  expect(formatMoney({ amount: 18_000, currency: 'EUR' }, 'en-IE')).toBe('€180.00');
  expect(formatMoney({ amount: 18_000, currency: 'EUR' }, 'de-DE')).toBe('180,00\u00a0€');
  expect(formatMoney({ amount: 9_000, currency: 'JPY' }, 'ja-JP')).toBe('￥9,000');
  expect(minorDigits('BHD')).toBe(3);
});

it('reads an amount a host typed into minor units, or nothing', () => {
  expect(parseAmount('89.50', 'EUR')).toBe(8_950);
  expect(parseAmount('89,5', 'EUR')).toBe(8_950);
  expect(parseAmount('9000', 'JPY')).toBe(9_000);
  expect(parseAmount('', 'EUR')).toBeUndefined();
  expect(parseAmount('ninety', 'EUR')).toBeUndefined();
});

it('shows a calendar date as that day in any time zone, and counts the nights of a stay', () => {
  expect(formatDate('2026-12-05', 'en-GB')).toBe('Sat, 5 Dec 2026');
  expect(nightsBetween('2026-12-30', '2027-01-02')).toBe(3);
  expect(nightsBetween('2026-12-05', '2026-12-05')).toBe(0);
  expect(nightsBetween('2026-12-05', '2026-12-01')).toBe(0);
});
