/**
 * Limits that depend on who asks and on the request's variables, checked once the operation is
 * known and before anything executes: the list-aware cost and the aliases (plugins/cost.ts), lower
 * for customer tokens than for API keys, and the usage events one request may carry across all
 * its fields (aliases included), with at most one `trackUsageBatch`. A violation is BAD_USER_INPUT
 * with `extensions.limit` (`cost`, `aliases`, `events`, `batches`), and writes no audit line.
 *
 * O(1) per request for a cached document without variable `first`s: the cost is cached with the
 * document, and the event count reads the root fields' coerced arguments, which the audit log
 * and input bounds share (plugins/root-fields.ts).
 */
import type { Plugin } from "graphql-yoga";
import type { Principal } from "../../core/auth/principal";
import { operationCost } from "./cost";
import type { Limits } from "./limits";
import { limitError } from "./limits";
import { rootFieldsOf, type RootSelection } from "./root-fields";

export function operationLimits(limits: Limits): Plugin {
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const principal = (args.contextValue as { principal?: Principal }).principal;
      const customer = principal?.kind === "customer";
      const maxCost = customer ? limits.customerMaxCost : limits.maxCost;
      const maxAliases = customer ? limits.customerMaxAliases : limits.maxAliases;
      const variables = (args.variableValues ?? {}) as Record<string, unknown>;
      const measured = operationCost(args.schema, args.document, args.operationName, variables);
      const refuse = (limit: string, message: string) =>
        setResultAndStopExecution({ errors: [limitError(limit, message)] });
      if (measured && measured.aliases > maxAliases)
        return refuse("aliases", `Aliases limit of ${maxAliases} exceeded, found ${measured.aliases}.`);
      if (measured && measured.cost > maxCost)
        return refuse("cost", `Cost limit of ${maxCost} exceeded, found ${measured.cost}.`);
      const selection = rootFieldsOf(args);
      if (selection?.operation !== "mutation") return;
      const { events, batches } = usageIn(selection);
      if (batches > 1) return refuse("batches", "at most one trackUsageBatch per request");
      if (events > limits.maxEventsPerRequest)
        return refuse(
          "events",
          `at most ${limits.maxEventsPerRequest} usage events per request across all fields, found ${events}`,
        );
    },
  };
}

/** Usage events a mutation carries: one per trackUsage, one per element of a trackUsageBatch. */
function usageIn(selection: RootSelection): { events: number; batches: number } {
  let events = 0;
  let batches = 0;
  for (const field of selection.fields) {
    if (field.name === "trackUsage") events++;
    if (field.name === "trackUsageBatch") {
      batches++;
      const inputs = field.args?.inputs;
      events += Array.isArray(inputs) ? inputs.length : 1;
    }
  }
  return { events, batches };
}
