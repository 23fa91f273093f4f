/** Money as the contract sends it: integer minor units of an ISO-4217 currency. */
export interface Money {
  readonly amount: number;
  readonly currency: string;
}

/** How many minor units a currency has (EUR 2, JPY 0, BHD 3), as the browser's Intl knows it. */
export function minorDigits(currency: string): number {
  return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
}

/** "€90.00", "90,00 €", "¥9,000": the viewer's locale, the money's currency. */
export function formatMoney(money: Money, locale?: string): string {
  return new Intl.NumberFormat(locale, { style: 'currency', currency: money.currency }).format(
    money.amount / 10 ** minorDigits(money.currency),
  );
}

/** What a person typed ("90", "90.5") in minor units of the currency, or undefined when it is no amount. */
export function parseAmount(text: string, currency: string): number | undefined {
  const value = Number(text.trim().replace(',', '.'));
  if (text.trim() === '' || !Number.isFinite(value)) return undefined;
  return Math.round(value * 10 ** minorDigits(currency));
}

/** Minor units back to the decimal a form shows ("90.00"). */
export function amountText(money: Money): string {
  return (money.amount / 10 ** minorDigits(money.currency)).toFixed(minorDigits(money.currency));
}
