import { closeDuePeriods } from "../core/periods/sweep";
import { adminOnly, adminOrAnyCustomer } from "./auth";
import { builder } from "./builder";

builder.queryField("now", (t) =>
  t.field({
    type: "DateTime",
    authScopes: adminOrAnyCustomer,
    description: "The deployment's clock: real time in production, the test clock in test mode.",
    resolve: (_, __, { deps }) => deps.clock.now(),
  }),
);

builder.mutationField("advanceClock", (t) =>
  t.field({
    type: "DateTime",
    authScopes: adminOnly,
    description:
      "Test mode only (the local default; FORBIDDEN in production): move this deployment's clock forward,\nlike a payment provider's test clock, so renewals can be tried without waiting. Never backwards.",
    args: { to: t.arg({ type: "DateTime", required: true }) },
    resolve: (_, a, { deps }) => deps.clock.advance(a.to),
  }),
);

builder.mutationField("closeDuePeriods", (t) =>
  t.field({
    type: "Int",
    authScopes: adminOnly,
    description: "Close every period that has ended by now; returns how many. What the scheduled function runs.",
    resolve: async (_, __, { deps }) => (await closeDuePeriods(deps)).closed,
  }),
);
