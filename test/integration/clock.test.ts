import { describe, expect, it } from "vitest";
import { createTestDeps, T0 } from "../support/db";

describe("stored test clock", () => {
  it("starts at its start instant and only moves forward", async () => {
    const { clock } = await createTestDeps();
    expect((await clock.now()).toISOString()).toBe(T0);
    await clock.advance(new Date("2026-02-01T00:00:00Z"));
    expect((await clock.now()).toISOString()).toBe("2026-02-01T00:00:00.000Z");
    await expect(clock.advance(new Date("2026-01-15T00:00:00Z"))).rejects.toMatchObject({ code: "BAD_USER_INPUT" });
    expect((await clock.now()).toISOString()).toBe("2026-02-01T00:00:00.000Z");
  });
});
