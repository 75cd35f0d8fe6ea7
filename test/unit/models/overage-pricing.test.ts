import { describe, expect, it } from "vitest";
import { MAX_SUM } from "../../../core/bounds";
import { multiply, parseMoney, parseQuantity, SCALE, units } from "../../../core/money";
import { nextUnitPrice, overageCharges, overageCost, overageUsageCeiling } from "../../../core/models/overage-pricing";
import { overageTerms } from "../../../core/models/overage-terms";
import { metered as feature } from "./fixtures";

const m = parseMoney;
const q = parseQuantity;
const tiers = [
  { upTo: units(1000), unitPrice: m("0.01") },
  { upTo: units(10000), unitPrice: m("0.005"), flatFee: units(2) },
  { unitPrice: m("0.001") },
];
const graduated = feature("calls", { included: units(100), tiers, tierMode: "GRADUATED" });
const volume = feature("calls", { included: units(100), tiers, tierMode: "VOLUME" });
const packages = feature("tokens", { overagePrice: m("0.03"), packageSize: units(1000) });
const plain = feature("calls", { overagePrice: m("0.01") });

/** Lines as [quantity, unit price], and the exact cost, for a table row. */
const lines = (f: typeof graduated, over: bigint) =>
  overageCharges(f, over).map((c) => [c.quantity, c.unitPrice] as const);

describe("overage pricing", () => {
  it.each([
    ["nothing beyond included", 0n, [], "0"],
    ["part of tier 1", units(1), [[units(1), m("0.01")]], "0.01"],
    ["exactly at tier 1's bound", units(1000), [[units(1000), m("0.01")]], "10"],
    [
      "one over tier 1",
      units(1001),
      [
        [units(1000), m("0.01")],
        [units(1), m("0.005")],
        [SCALE, units(2)],
      ],
      "12.005",
    ],
    [
      "half a unit over",
      q("1000.5"),
      [
        [units(1000), m("0.01")],
        [q("0.5"), m("0.005")],
        [SCALE, units(2)],
      ],
      "12.0025",
    ],
    [
      "exactly at tier 2's bound",
      units(10000),
      [
        [units(1000), m("0.01")],
        [units(9000), m("0.005")],
        [SCALE, units(2)],
      ],
      "57",
    ],
    [
      "one into the open tier",
      units(10001),
      [
        [units(1000), m("0.01")],
        [units(9000), m("0.005")],
        [SCALE, units(2)],
        [units(1), m("0.001")],
      ],
      "57.001",
    ],
  ] as const)("GRADUATED: %s", (_, over, expected, cost) => {
    expect(lines(graduated, over)).toEqual(expected);
    expect(overageCost(graduated, over)).toBe(m(cost));
  });

  it.each([
    ["nothing beyond included", 0n, [], "0"],
    ["exactly at tier 1's bound", units(1000), [[units(1000), m("0.01")]], "10"],
    [
      "one over tier 1: every unit at tier 2, with its flat fee",
      units(1001),
      [
        [units(1001), m("0.005")],
        [SCALE, units(2)],
      ],
      "7.005",
    ],
    [
      "exactly at tier 2's bound",
      units(10000),
      [
        [units(10000), m("0.005")],
        [SCALE, units(2)],
      ],
      "52",
    ],
    ["one into the open tier", units(10001), [[units(10001), m("0.001")]], "10.001"],
  ] as const)("VOLUME: %s", (_, over, expected, cost) => {
    expect(lines(volume, over)).toEqual(expected);
    expect(overageCost(volume, over)).toBe(m(cost));
  });

  it.each([
    ["nothing", 0n, [], "0"],
    ["a fraction of a unit starts a package", q("0.000001"), [[units(1), m("0.03")]], "0.03"],
    ["exactly one package", units(1000), [[units(1), m("0.03")]], "0.03"],
    ["one unit into the second", units(1001), [[units(2), m("0.03")]], "0.06"],
    ["$0.03 per 1,000 tokens, 50,001 tokens", units(50001), [[units(51), m("0.03")]], "1.53"],
  ] as const)("packages: %s", (_, over, expected, cost) => {
    expect(lines(packages, over)).toEqual(expected);
    expect(overageCost(packages, over)).toBe(m(cost));
  });

  it("describes each line by its tier, and packages by their size", () => {
    expect(overageCharges(graduated, units(10001)).map((c) => c.description)).toEqual([
      "calls beyond the included units, tier 1 (up to 1000)",
      "calls beyond the included units, tier 2 (1000 to 10000)",
      "calls flat fee of tier 2 (1000 to 10000)",
      "calls beyond the included units, tier 3 (above 10000)",
    ]);
    expect(overageCharges(volume, units(5)).map((c) => c.description)).toEqual([
      "calls beyond the included units, all at tier 1 (up to 1000)",
    ]);
    expect(overageCharges(packages, units(1)).map((c) => c.description)).toEqual([
      "tokens beyond the included units, in packages of 1000",
    ]);
    expect(overageCharges(plain, units(3))).toEqual([
      { description: "calls beyond the included units", feature: "calls", quantity: units(3), unitPrice: m("0.01") },
    ]);
  });

  it.each([
    [graduated, 0n, { unitPrice: m("0.01"), tier: 1 }],
    [graduated, q("999.5"), { unitPrice: m("0.01"), tier: 1 }],
    [graduated, units(1000), { unitPrice: m("0.005"), tier: 2 }],
    [graduated, units(10000), { unitPrice: m("0.001"), tier: 3 }],
    [volume, units(10001), { unitPrice: m("0.001"), tier: 3 }],
    [packages, units(5), { unitPrice: m("0.03") }],
  ] as const)("the next unit's price: %#", (f, over, expected) => {
    expect(nextUnitPrice(f, over)).toEqual(expected);
  });

  it("keeps every line within MAX_SUM up to the usage ceiling, which follows the highest price", () => {
    const pricey = [
      { upTo: units(10), unitPrice: units(1) },
      { unitPrice: units(1000), flatFee: units(5) },
    ];
    for (const mode of ["GRADUATED", "VOLUME"] as const) {
      const f = feature("calls", { included: units(100), tiers: pricey, tierMode: mode });
      const ceiling = overageUsageCeiling(f);
      expect(ceiling).toBe(units(100) + MAX_SUM / 1000n);
      for (const c of overageCharges(f, ceiling - units(100)))
        expect(multiply(c.quantity, c.unitPrice) <= MAX_SUM).toBe(true);
    }
    expect(overageUsageCeiling(graduated)).toBe(MAX_SUM);
    const bulky = feature("renders", { overagePrice: units(1_000_000), packageSize: q("0.5") });
    const ceiling = overageUsageCeiling(bulky);
    expect(ceiling).toBe(units(500_000_000_000));
    expect(overageCost(bulky, ceiling)).toBe(MAX_SUM);
    expect(overageCost(bulky, ceiling + 1n)).toBe(MAX_SUM + units(1_000_000));
    expect(overageUsageCeiling(packages)).toBe(MAX_SUM);
    expect(overageUsageCeiling(feature("free", { overagePrice: 0n, packageSize: units(10) }))).toBe(MAX_SUM);
  });

  it("prices a huge graduated usage exactly", () => {
    const over = 10n ** 15n * SCALE;
    expect(overageCost(graduated, over)).toBe(units(57) + multiply(over - units(10000), m("0.001")));
  });
});

describe("overage terms", () => {
  const at = "input.features[0]";
  it.each([
    [{ tiers: [] }, `${at}.tiers must list at least one tier`],
    [{ tiers: [{ upTo: units(5), unitPrice: 1n }] }, `${at}.tiers[0].upTo must be empty: the last tier is open-ended`],
    [{ tiers: [{ unitPrice: 1n }, { unitPrice: 1n }] }, `${at}.tiers[0].upTo is required on every tier but the last`],
    [{ tiers: [{ upTo: 0n, unitPrice: 1n }, { unitPrice: 1n }] }, `${at}.tiers[0].upTo must be greater than zero`],
    [
      { tiers: [{ upTo: units(5), unitPrice: 1n }, { upTo: units(5), unitPrice: 1n }, { unitPrice: 1n }] },
      `${at}.tiers[1].upTo must be greater than ${at}.tiers[0].upTo (5)`,
    ],
    [
      { tiers: Array.from({ length: 21 }, (_, i) => ({ upTo: units(i + 1), unitPrice: 1n })) },
      `${at}.tiers must list at most 20 tiers`,
    ],
    [
      { tiers: [{ unitPrice: 1n }], overagePrice: 1n },
      `${at}.overagePrice does not apply with ${at}.tiers: each tier has its unitPrice`,
    ],
    [{ tiers: [{ unitPrice: 1n }], packageSize: units(10) }, `${at}.packageSize cannot be combined with ${at}.tiers`],
    [{ overagePrice: 1n, tierMode: "VOLUME" }, `${at}.tierMode applies only with ${at}.tiers`],
    [{ overagePrice: 1n, packageSize: 0n }, `${at}.packageSize must be greater than zero`],
    [{}, `${at}.overagePrice is required on METERED plans`],
  ] as const)("refuses bad terms (row %#)", (input, message) => {
    expect(() => overageTerms({ feature: "calls", ...input } as never, at)).toThrow(message);
  });

  it("defaults the mode to GRADUATED and drops zero flat fees", () => {
    expect(
      overageTerms(
        { feature: "calls", tiers: [{ upTo: units(5), unitPrice: 1n, flatFee: 0n }, { unitPrice: 2n }] },
        at,
      ),
    ).toEqual({
      tiers: [{ upTo: units(5), unitPrice: 1n }, { unitPrice: 2n }],
      tierMode: "GRADUATED",
    });
  });
});
