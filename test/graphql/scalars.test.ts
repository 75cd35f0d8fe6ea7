/** Money and Decimal inputs: strings or JSON numbers, read from their decimal text, never lossy. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApi, type TestApi } from "../support/server";

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(() => api?.close());

const PACK = `mutation($i: CreateCreditPackInput!) { createCreditPack(input: $i) { credits price } }`;

describe("Money and Decimal scalars", () => {
  it("accept JSON numbers and strings alike, and print exact decimal strings", async () => {
    const fromNumbers = await api.ok(PACK, { i: { code: "a", name: "A", credits: 1500.5, price: 0.1 } });
    expect(fromNumbers.createCreditPack).toEqual({ credits: "1500.5", price: "0.10" });
    const fromText = await api.ok(
      `mutation { createCreditPack(input: { code: "b", name: "B", credits: 2, price: 0.000000000001 }) { credits price } }`,
    );
    expect(fromText.createCreditPack).toEqual({ credits: "2", price: "0.000000000001" });
  });

  it("refuse a JSON number with more digits than a float keeps exactly, instead of rounding it silently", async () => {
    const result = await api.gql(PACK, { i: { code: "c", name: "C", credits: 1, price: 0.1234567890123456 } });
    expect(result.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    const asText = await api.ok(PACK, { i: { code: "d", name: "D", credits: 1, price: "0.123456789012" } });
    expect(asText.createCreditPack.price).toBe("0.123456789012");
  });

  it("refuse 13 decimals of money and 7 of quantity, NaN and exponents out of range", async () => {
    for (const [credits, price] of [
      [1, "0.0000000000001"],
      ["0.0000001", 1],
      [1, "NaN"],
      [1, "1e999"],
      ["abc", 1],
    ]) {
      const result = await api.gql(PACK, { i: { code: "e", name: "E", credits, price } });
      expect(result.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    }
    const packs = await api.ok(`{ creditPacks { code } }`);
    expect(packs.creditPacks.map((p: { code: string }) => p.code).sort()).toEqual(["a", "b", "d"]);
  });
});
