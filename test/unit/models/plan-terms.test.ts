import { describe, expect, it } from "vitest";
import { planFeature, planTerms } from "../../../core/models";
import { units } from "../../../core/money";
import type { CreatePlanInput } from "../../../core/plans/plan";

const input = (fields: Partial<CreatePlanInput>): CreatePlanInput => ({
  code: "p",
  name: "P",
  model: "METERED",
  basePrice: units(10),
  interval: "MONTH",
  features: [],
  ...fields,
});
const on = { at: "input.features[0]", currency: "USD" };

describe("what a plan's input may say, given its model", () => {
  it("refuses a plan-level option of another model, naming the model it belongs to", () => {
    expect(() => planTerms(input({ includedCredits: 0n }))).toThrow("input.includedCredits is only for CREDITS plans");
    expect(() => planTerms(input({ model: "CREDITS", blockOnExhaustion: true }))).toThrow(
      "input.blockOnExhaustion is only for BALANCE plans",
    );
  });

  it("takes an option of another model that says nothing (false, null)", () => {
    expect(planTerms(input({ blockOnExhaustion: false, includedCredits: null }))).toEqual({});
    expect(planTerms(input({ model: "CREDITS", includedCredits: units(5) }))).toEqual({ includedCredits: units(5) });
  });

  it("refuses any pricing on a BOOLEAN feature", () => {
    expect(planFeature("CREDITS", "BOOLEAN", { feature: "sso" }, on)).toEqual({ feature: "sso", kind: "BOOLEAN" });
    expect(() => planFeature("CREDITS", "BOOLEAN", { feature: "sso", creditsPerUnit: units(1) }, on)).toThrow(
      'input.features[0].creditsPerUnit does not apply: "sso" is a BOOLEAN feature, which takes no pricing',
    );
  });

  it("refuses a feature field of another model before the model's own checks", () => {
    expect(() => planFeature("METERED", "METERED", { feature: "calls", unitPrice: units(1) }, on)).toThrow(
      "input.features[0].unitPrice does not apply to METERED plans",
    );
    expect(planFeature("METERED", "METERED", { feature: "calls", overagePrice: units(1) }, on)).toEqual({
      feature: "calls",
      kind: "METERED",
      included: 0n,
      overagePrice: units(1),
    });
  });
});
