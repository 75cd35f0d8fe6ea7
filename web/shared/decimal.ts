/**
 * Display helpers for the API's decimal strings. Money and quantities are never turned into
 * floating point: they are shown as the API wrote them (grouped by thousands), and the one ratio
 * the pages need (a progress bar's fill) is computed on scaled bigints.
 */

const SCALE = 12;

/** "1234.5" -> 1234500000000000n (10^-12 units); undefined for anything that is not a plain decimal. */
export function toUnits(text: string | null | undefined): bigint | undefined {
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text ?? "");
  if (!match) return undefined;
  const [, sign, whole, fraction = ""] = match;
  const units = BigInt(whole!) * 10n ** BigInt(SCALE) + BigInt(fraction.slice(0, SCALE).padEnd(SCALE, "0"));
  return sign ? -units : units;
}

/** Whole percent of part in whole, floored, clamped to 0..100; 0 when whole is not positive. */
export function percentOf(part: string | null | undefined, whole: string | null | undefined): number {
  const p = toUnits(part);
  const w = toUnits(whole);
  if (p === undefined || w === undefined || w <= 0n) return 0;
  if (p <= 0n) return 0;
  if (p >= w) return 100;
  return Number((p * 100n) / w);
}

/** "1234567.5" -> "1,234,567.5": the exact digits, grouped. */
export function grouped(text: string): string {
  const match = /^(-?)(\d+)(\.\d+)?$/.exec(text);
  if (!match) return text;
  const [, sign, whole, fraction = ""] = match;
  return `${sign}${whole!.replace(/\B(?=(\d{3})+(?!\d))/g, ",")}${fraction}`;
}

/** A money string with its currency: "12.5", "USD" -> "12.50 USD" (at least two decimals, never fewer digits). */
export function money(text: string | null | undefined, currency = "USD"): string {
  if (text === null || text === undefined) return "—";
  const [whole, fraction = ""] = text.split(".");
  return `${grouped(`${whole}.${fraction.padEnd(2, "0")}`)} ${currency}`;
}

/** A quantity: grouped, or a dash when absent. */
export function quantity(text: string | null | undefined): string {
  return text === null || text === undefined ? "—" : grouped(text);
}

/** The sign of a decimal string: -1, 0 or 1. */
export function signOf(text: string | null | undefined): number {
  const units = toUnits(text);
  return units === undefined || units === 0n ? 0 : units < 0n ? -1 : 1;
}

/** a - b, exact, as decimal text (e.g. a margin: billed - provider cost); undefined if either is absent. */
export function subtract(a: string | null | undefined, b: string | null | undefined): string | undefined {
  const x = toUnits(a);
  const y = toUnits(b);
  if (x === undefined || y === undefined) return undefined;
  return fromUnits(x - y);
}

/** 10^-12 units back to the shortest exact decimal text. */
export function fromUnits(units: bigint): string {
  const sign = units < 0n ? "-" : "";
  const abs = units < 0n ? -units : units;
  const whole = abs / 10n ** BigInt(SCALE);
  const fraction = (abs % 10n ** BigInt(SCALE)).toString().padStart(SCALE, "0").replace(/0+$/, "");
  return `${sign}${whole}${fraction ? `.${fraction}` : ""}`;
}
