/**
 * BILLING_GRACE_PERIOD at deploy time (stacks/settings.ts): the GraphQL function (lazy closes,
 * late tracks) and the sweeper get the same value, or none when it is unset; a bad value fails the
 * deploy instead of a cold start.
 */
import { describe, expect, it } from "vitest";
import { evaluateConfig, type Evaluation } from "./sst-fakes";

async function withEnv(env: Record<string, string>): Promise<Evaluation> {
  const saved = { ...process.env };
  Object.assign(process.env, env);
  try {
    return await evaluateConfig("production");
  } finally {
    process.env = saved;
  }
}
const environmentOf = (evaluation: Evaluation, name: string) =>
  evaluation.components.find((c) => c.kind === "sst.aws.Function" && c.name === name)!.args.environment;

describe("BILLING_GRACE_PERIOD in the stacks", () => {
  it("is passed to the GraphQL function and the sweeper alike, and to no other function", async () => {
    const evaluation = await withEnv({ BILLING_GRACE_PERIOD: "PT6H" });
    expect(environmentOf(evaluation, "Graphql").BILLING_GRACE_PERIOD).toBe("PT6H");
    expect(environmentOf(evaluation, "ClosePeriods").BILLING_GRACE_PERIOD).toBe("PT6H");
    for (const name of ["SyncCatalog", "DeliverWebhooks"])
      expect(environmentOf(evaluation, name).BILLING_GRACE_PERIOD).toBeUndefined();
  });

  it("is absent when unset (the functions default to PT0S)", async () => {
    const evaluation = await withEnv({});
    expect(environmentOf(evaluation, "Graphql").BILLING_GRACE_PERIOD).toBeUndefined();
    expect(environmentOf(evaluation, "ClosePeriods").BILLING_GRACE_PERIOD).toBeUndefined();
  });

  it("fails the deploy when longer than P3D or malformed", async () => {
    await expect(withEnv({ BILLING_GRACE_PERIOD: "P4D" })).rejects.toThrow(/BILLING_GRACE_PERIOD .* at most P3D/);
    await expect(withEnv({ BILLING_GRACE_PERIOD: "six hours" })).rejects.toThrow(/BILLING_GRACE_PERIOD/);
  });
});
