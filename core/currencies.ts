/**
 * ISO 4217 currencies and their minor units (the digits after the decimal point an invoice can
 * carry: JPY 0, USD 2, KWD 3). Only these codes are accepted; codes without a minor unit (gold,
 * SDRs, test codes: XAU, XDR, XTS, XXX, ...) are not currencies a plan can bill in. Invoice lines
 * round to the minor unit; fixed amounts (base prices, pack prices, top-ups) must be whole minor
 * units. There are no exchange rates: amounts are never converted between currencies.
 */
import { DomainError } from "./errors";

/** The AI model catalog's prices are in this currency; AI_MODEL pricing needs plans in it. */
export const CATALOG_CURRENCY = "USD";

const ZERO_DIGITS = "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF";
const THREE_DIGITS = "BHD IQD JOD KWD LYD OMR TND";
const FOUR_DIGITS = "CLF UYW";
const TWO_DIGITS =
  "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL BSD BTN BWP BYN BZD " +
  "CAD CDF CHE CHF CHW CNY COP COU CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS " +
  "GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT LAK LBP LKR LRD LSL " +
  "MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN PGK " +
  "PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS " +
  "TMT TOP TRY TTD TWD TZS UAH USD USN UYU UZS VED VES WST XCD XCG YER ZAR ZMW ZWG";

const MINOR_DIGITS: ReadonlyMap<string, number> = new Map(
  (
    [
      [ZERO_DIGITS, 0],
      [TWO_DIGITS, 2],
      [THREE_DIGITS, 3],
      [FOUR_DIGITS, 4],
    ] as const
  ).flatMap(([codes, digits]) => codes.split(" ").map((code) => [code, digits] as const)),
);

export const isCurrency = (code: string): boolean => MINOR_DIGITS.has(code);

/**
 * The currency's minor-unit digits. Plans and packs created before codes were checked may carry
 * an unknown code: they keep the two digits every invoice had then.
 */
export const minorUnitDigits = (code: string): number => MINOR_DIGITS.get(code) ?? 2;

/** Why `amount` is not a whole number of the currency's minor unit (10.005 USD, 1.5 JPY), or undefined. */
export function minorUnitProblem(amount: bigint, currency: string, what: string): string | undefined {
  const digits = minorUnitDigits(currency);
  if (amount % 10n ** BigInt(12 - digits) === 0n) return undefined;
  return `${what} must be ${digits === 0 ? `whole ${currency}` : `at most ${digits} decimal places in ${currency}`}`;
}

/** Refuses, as BAD_USER_INPUT, an amount that is not a whole number of the currency's minor unit. */
export function requireWholeMinorUnits(amount: bigint, currency: string, what: string): void {
  const problem = minorUnitProblem(amount, currency, what);
  if (problem) throw new DomainError("BAD_USER_INPUT", problem);
}
