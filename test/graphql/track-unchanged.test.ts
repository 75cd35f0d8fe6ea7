/**
 * The rollups and lists add nothing to the track path (issue 19): a steady-state AI track is still
 * one TransactWriteItems of two items (the event, the wallet) and no other write; its event
 * writes no list index entry, and nothing on the path touches a rollup (the aggregator reads the
 * table's stream afterwards, off the path). The stream itself costs DynamoDB no write unit.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TABLE } from "../../core/db/keys";
import { fixtures, TRACK, type Fixtures } from "../support/fixtures";
import { startTestApi, type TestApi } from "../support/server";

let api: TestApi;
let f: Fixtures;
const sent: { command: string; input: any }[] = [];

beforeAll(async () => {
  api = await startTestApi();
  f = fixtures(api);
  await f.feature("assistant");
  await api.ok(`mutation { upsertAiModel(id: "lab/model", inputPrice: "3", outputPrice: "15") { id } }`);
  await f.plan({
    code: "ai",
    model: "BALANCE",
    basePrice: "20",
    features: [{ feature: "assistant", pricing: "AI_MODEL", marginBps: 4000 }],
  });
  await f.customerOn("acme", "ai");
  api.deps.db.raw.middlewareStack.add(
    (next, context) => (args) => {
      sent.push({ command: context.commandName ?? "", input: args.input });
      return next(args);
    },
    { step: "initialize", name: "recordCommands" },
  );
});
afterAll(() => api?.close());

const track = (key: string) =>
  api.gql(TRACK, {
    i: {
      customerId: "acme",
      feature: "assistant",
      idempotencyKey: key,
      model: "lab/model",
      inputTokens: 1200,
      outputTokens: 350,
    },
  });

describe("the track path", () => {
  it("is one transaction of the event and the wallet, and no other write", async () => {
    await track("warm-1"); // the wallet is now cached: what follows is the steady state
    sent.length = 0;
    expect((await track("steady-1")).data.trackUsage.event.cost).toBe("0.01239");
    const writes = sent.filter((s) => /Put|Update|Delete|Write/.test(s.command));
    expect(writes.map((w) => w.command)).toEqual(["TransactWriteItemsCommand"]);
    const items = writes[0]!.input.TransactItems as any[];
    expect(items.map((i) => Object.keys(i)[0])).toEqual(["Put", "Update"]);
    const event = items[0].Put.Item;
    expect(event.type).toBe("EVENT");
    // No list index entry on the event; the wallet update sets no list index key either.
    expect(event).not.toHaveProperty(TABLE.listIndex.partitionKey);
    expect(items[1].Update.UpdateExpression).not.toContain(TABLE.listIndex.partitionKey);
    // Nothing on the path names a rollup or usage-history item.
    expect(JSON.stringify(sent, (_, v) => (typeof v === "bigint" ? String(v) : v))).not.toMatch(/AICOST|USAGE_HISTORY/);
  });
});
