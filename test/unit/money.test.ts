import { describe, expect, it } from "vitest";
import { formatDecimal, formatMoney, multiply, parseMoney, parseQuantity, roundToMinorUnit } from "../../core/money";

describe("money", () => {
  it("parses decimal text exactly into 10^-12 ledger units", () => {
    expect(parseMoney("0.0043")).toBe(4_300_000_000n);
    expect(parseMoney("0.000000000001")).toBe(1n);
    expect(parseQuantity("15000")).toBe(15_000_000_000_000_000n);
    expect(parseQuantity("1e3")).toBe(1_000_000_000_000_000n);
    expect(parseMoney("2.5E-6")).toBe(2_500_000n);
    expect(parseMoney("-1.25")).toBe(-1_250_000_000_000n);
  });

  it("refuses more digits than allowed, non-numbers and huge exponents", () => {
    expect(() => parseMoney("0.0000000000001")).toThrow(/at most 12 decimal places/);
    expect(() => parseQuantity("0.0000001")).toThrow(/at most 6 decimal places/);
    for (const bad of ["NaN", "", "1,5", "abc", "1e400", "Infinity", "0x10", "1.2.3"]) {
      expect(() => parseMoney(bad)).toThrow();
    }
  });

  it("formats money with at least two decimals and quantities minimally", () => {
    expect(formatMoney(parseMoney("35.5"))).toBe("35.50");
    expect(formatMoney(parseMoney("0.0043"))).toBe("0.0043");
    expect(formatMoney(parseMoney("-10"))).toBe("-10.00");
    expect(formatDecimal(parseQuantity("150"))).toBe("150");
    expect(formatDecimal(parseQuantity("0.5"))).toBe("0.5");
  });

  it("multiplies exactly and rounds once to cents, half away from zero", () => {
    expect(formatMoney(multiply(parseQuantity("15000"), parseMoney("0.0043")))).toBe("64.50");
    expect(formatMoney(roundToMinorUnit(parseMoney("0.005")))).toBe("0.01");
    expect(formatMoney(roundToMinorUnit(parseMoney("-0.005")))).toBe("-0.01");
    expect(formatMoney(roundToMinorUnit(parseMoney("0.004999999999")))).toBe("0.00");
  });
});
