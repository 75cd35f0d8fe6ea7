/**
 * Exact amounts. Every money amount, quantity and credit count is a `bigint` holding the value
 * times 10^12 (the ledger unit: a picodollar for USD). Nothing here ever touches a float.
 *
 * Inputs are decimal text ("0.0043", "15000"); money may carry up to 12 fractional digits,
 * quantities and credits up to 6. Rounding happens once, on invoice lines (`roundToMinorUnit`).
 */
import { DomainError } from "./errors";

export type Amount = bigint;

export const SCALE_DIGITS = 12;
export const SCALE = 10n ** 12n;
export const MONEY_DIGITS = 12;
export const QUANTITY_DIGITS = 6;
/** The parser's own limit on any amount's text (10^20); what each field accepts is set in core/bounds.ts. */
const MAX_INTEGER_DIGITS = 20;

const DECIMAL_TEXT = /^(-)?(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/;

/**
 * Parses decimal text (or the text of a JSON number) into ledger units, refusing anything inexact.
 * Surrounding whitespace is refused too (`" 5"`): what a client sends is either a number or not.
 */
export function parseAmount(text: string, maxFractionDigits: number, what = "amount"): Amount {
  const match = DECIMAL_TEXT.exec(text);
  if (!match) throw new DomainError("BAD_USER_INPUT", `${what} must be a decimal number, got "${text}"`);
  const [, sign, intPart = "", fracPart = "", expPart] = match;
  const exponent = expPart === undefined ? 0 : Number.parseInt(expPart, 10);
  if (Math.abs(exponent) > 40) throw new DomainError("BAD_USER_INPUT", `${what} is out of range: "${text}"`);
  // Move the decimal point by the exponent on the digit string itself.
  let digits = intPart + fracPart;
  let pointAt = intPart.length + exponent;
  if (pointAt < 0) {
    digits = "0".repeat(-pointAt) + digits;
    pointAt = 0;
  }
  if (pointAt > digits.length) digits = digits + "0".repeat(pointAt - digits.length);
  const whole = digits.slice(0, pointAt).replace(/^0+/, "");
  const fraction = digits.slice(pointAt).replace(/0+$/, "");
  if (fraction.length > maxFractionDigits) {
    throw new DomainError(
      "BAD_USER_INPUT",
      `${what} allows at most ${maxFractionDigits} decimal places, got "${text}"`,
    );
  }
  if (whole.length > MAX_INTEGER_DIGITS) throw new DomainError("BAD_USER_INPUT", `${what} is out of range: "${text}"`);
  const scaled = BigInt((whole || "0") + fraction.padEnd(SCALE_DIGITS, "0"));
  return sign ? -scaled : scaled;
}

export const parseMoney = (text: string, what = "amount") => parseAmount(text, MONEY_DIGITS, what);
export const parseQuantity = (text: string, what = "quantity") => parseAmount(text, QUANTITY_DIGITS, what);

/** "35.5", "0.0043", "15000", "-2": the shortest exact decimal text. */
export function formatDecimal(value: Amount): string {
  return format(value, 0);
}

/** Money keeps at least two decimals ("50.00", "35.50", "0.0043"), the way invoices read. */
export function formatMoney(value: Amount): string {
  return format(value, 2);
}

function format(value: Amount, minFractionDigits: number): string {
  const negative = value < 0n;
  const abs = negative ? -value : value;
  const whole = abs / SCALE;
  let fraction = (abs % SCALE).toString().padStart(SCALE_DIGITS, "0").replace(/0+$/, "");
  if (fraction.length < minFractionDigits) fraction = fraction.padEnd(minFractionDigits, "0");
  return `${negative ? "-" : ""}${whole}${fraction ? `.${fraction}` : ""}`;
}

/** Divides, rounding half away from zero. */
export function divRound(numerator: bigint, denominator: bigint): bigint {
  const negative = numerator < 0n !== denominator < 0n;
  const n = numerator < 0n ? -numerator : numerator;
  const d = denominator < 0n ? -denominator : denominator;
  const q = (n + d / 2n) / d;
  return negative ? -q : q;
}

/**
 * quantity x unit price, both in ledger units, back in ledger units. Exact whenever the digits fit
 * the 10^-12 ledger unit (always for the catalog's and plans' prices); any sub-ledger remainder is
 * rounded half away from zero, which is the one place a remainder below 10^-12 can arise.
 */
export function multiply(quantity: Amount, unitPrice: Amount): Amount {
  return divRound(quantity * unitPrice, SCALE);
}

/** Rounds an amount to the currency's minor unit (cents: 2 digits; see core/currencies.ts), half away from zero. */
export function roundToMinorUnit(value: Amount, minorDigits = 2): Amount {
  const step = 10n ** BigInt(SCALE_DIGITS - minorDigits);
  return divRound(value, step) * step;
}

/**
 * The exact fraction numerator / denominator (in ledger units) rounded once to the minor unit,
 * half away from zero: a prorated amount is rounded here, never first to the ledger unit.
 */
export function divRoundToMinorUnit(numerator: bigint, denominator: bigint, minorDigits = 2): Amount {
  const step = 10n ** BigInt(SCALE_DIGITS - minorDigits);
  return divRound(numerator, denominator * step) * step;
}

export const ZERO: Amount = 0n;
export const max = (a: Amount, b: Amount): Amount => (a > b ? a : b);
export const min = (a: Amount, b: Amount): Amount => (a < b ? a : b);
/** Whole units (token counts, integers) into ledger units. */
export const units = (n: bigint | number): Amount => BigInt(n) * SCALE;
