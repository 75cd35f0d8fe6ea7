/** Exact sums of the API's money strings, per currency (bigint at 10^-12; nothing rounded). */
import { fromUnits, toUnits } from "./decimal";

export function sumByCurrency(items: { amount: string; currency: string }[]): { currency: string; amount: string }[] {
  const sums = new Map<string, bigint>();
  for (const { amount, currency } of items) sums.set(currency, (sums.get(currency) ?? 0n) + (toUnits(amount) ?? 0n));
  return [...sums].map(([currency, units]) => ({ currency, amount: fromUnits(units) }));
}
