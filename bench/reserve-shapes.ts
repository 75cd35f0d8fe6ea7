/**
 * `npx tsx bench/reserve-shapes.ts [--rounds 3] [--ms 2000]`: which shape of a reservation's two
 * transactions DynamoDB Local can do fastest, as raw TransactWriteItems from this process (no API
 * server), at concurrency 8 against the raw single transaction of a track, in interleaved rounds.
 *
 * The reserve and settle transactions are captured as core sends them (reserveUsage and
 * settleReservation of c-hot, in process) and replayed with each pair's own keys; the shapes
 * change what a pair writes (docs/performance.md, "Reservations", has the table):
 *   pair       today's: reserve = reservation put (+ its hold due gsi1 entry) + wallet (+ open hold);
 *              settle = reservation status update (removing gsi1) + event put (+ gsi2) + wallet
 *   check      settle = ConditionCheck of the reservation (HELD or EXPIRED) + event put + wallet
 *              (the status SETTLED derived from the event's existence; gsi1 cleaned later)
 *   at-event   the reservation stored at its usage event's key: settle puts the event over it
 *              (conditioned on HELD), so a settle writes 2 items
 *   *-noRV     the same without ReturnValuesOnConditionCheckFailure
 *   no-gsi1    today's pair without the hold due index entry (what the index costs)
 *   map, map-no-gsi1, top, top-no-gsi1, top-nocount, map-nosize, map-long, map-short, map-iso,
 *   no-holds, no-holds-no-gsi1: the wallet's open holds (captured on a steady pair: the map
 *              exists) as the nested map entry, as a top-level `hold#<key>` attribute with an
 *              `openHolds` counter (or without it), without the size condition, with entries of
 *              other lengths (8-character or ISO expiries), or not at all; with or without the
 *              reservation's hold due gsi1 entry (its removal on settle included)
 *   --print    prints the captured transactions
 *   2 tracks   two raw track transactions: what any 2-transaction pair of a track's cost reaches
 * Every transaction is checked: an error counts against its shape.
 */
import {
  TransactWriteItemsCommand,
  type TransactWriteItemsCommandInput,
  type AttributeValue,
} from "@aws-sdk/client-dynamodb";
import { marshall } from "@aws-sdk/util-dynamodb";
import { startDynamoLocal } from "../tools/dynamodb-local/start";
import { keys } from "../core/db/keys";
import { holdExpiryOf, holdStamp } from "../core/db/wallets";
import { nextRecordingOrder } from "../core/db/recording-order";
import { reserveUsage } from "../core/reservations/reserve";
import { settleReservation } from "../core/reservations/settle";
import type { Deps } from "../core/deps";
import { units } from "../core/money";
import { readdirSync, readFileSync } from "node:fs";
import { arg, itemBytes, median, runCount, runLoad, type LoadResult } from "./lib";
import { keyOf, log, seedBench } from "./measure/context";

type Tx = TransactWriteItemsCommandInput;
type Items = NonNullable<Tx["TransactItems"]>;

const ROUNDS = Number(arg("rounds", "3"));
const MS = Number(arg("ms", "2000"));
const C = "c-hot";
/** Single operations per shape per round for the c1 column (its 10th percentile). */
const C1_OPS = Number(arg("c1", "150"));
/** `--growth N`: the stream-growth mode, N steps of GROWTH_TX raw tracks (2 stream records each). */
const GROWTH_STEPS = Number(arg("growth", "0"));
const GROWTH = GROWTH_STEPS > 0;
const GROWTH_TX = Number(arg("growth-tx", "10000"));

/** DynamoDB Local's Java process (started by this script): the one whose command line names its port. */
function javaPid(port: number): number {
  for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
      if (cmd[0]?.endsWith("java") && cmd.includes("-port") && cmd[cmd.indexOf("-port") + 1] === String(port))
        return Number(pid);
    } catch {}
  }
  throw new Error("DynamoDB Local's process not found");
}

/** A process's CPU time (user + system) in ms, from /proc (10 ms ticks). */
function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** A load run and DynamoDB Local's CPU per operation during it (far less sensitive to the machine's load). */
async function measured(
  pid: number,
  ms: number,
  prefix: string,
  op: (key: string) => Promise<unknown>,
): Promise<LoadResult & { dbCpu: number; c1p50: number }> {
  await runLoad(8, 200, (n) => op(keyOf(`${prefix}w`, n)).then(() => undefined), 0);
  const before = cpuMs(pid);
  const r = await runLoad(8, ms, (n) => op(keyOf(prefix, n)).then(() => undefined), 0);
  const dbCpu = (cpuMs(pid) - before) / Math.max(1, r.ops);
  // One at a time: the fastest tenth of single operations, mostly DynamoDB Local's own work (the
  // machine's load stretches the slow ones, rarely the fastest).
  const times: number[] = [];
  for (let n = 0; n < C1_OPS; n++) {
    const t = performance.now();
    await op(keyOf(`${prefix}s`, n));
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return { ...r, dbCpu, c1p50: times[Math.floor(times.length / 10)]! };
}

/** Every TransactWriteItems `fn` sends, as sent (marshalled). */
async function capture(deps: Deps, fn: () => Promise<unknown>): Promise<Tx[]> {
  const out: Tx[] = [];
  deps.db.raw.middlewareStack.add(
    (next) => async (args) => {
      const input = args.input as Tx;
      if (input.TransactItems) out.push(structuredClone(input));
      return next(args);
    },
    { step: "build", name: "shapesCapture" },
  );
  try {
    await fn();
  } finally {
    deps.db.raw.middlewareStack.remove("shapesCapture");
  }
  return out;
}

const S = (s: string): AttributeValue => ({ S: s });
const noRV = (items: Items): Items =>
  items.map((i) => {
    const copy = structuredClone(i);
    for (const op of [copy.Put, copy.Update, copy.ConditionCheck, copy.Delete])
      if (op) delete op.ReturnValuesOnConditionCheckFailure;
    return copy;
  });

async function main() {
  const dynamo = await startDynamoLocal();
  try {
    const seeded = await seedBench(dynamo.endpoint);
    const { deps, raw } = seeded;
    // One reserve and its settle as core sends them (a settle of a reservation this process made: no read).
    // A steady pair: one hold stays open (the wallet's open-holds map exists and its earliest
    // expiry is that hold's), then the reserve and settle of another are captured.
    await reserveUsage(deps, {
      customerId: C,
      feature: "api_calls",
      idempotencyKey: keyOf("cap", 0),
      value: units(3),
      ttlSeconds: 86_400,
    });
    let id = "";
    const [reserveTx] = await capture(deps, async () => {
      id = (
        await reserveUsage(deps, {
          customerId: C,
          feature: "api_calls",
          idempotencyKey: keyOf("cap", 1),
          value: units(3),
          ttlSeconds: 86_400,
        })
      ).id;
    });
    const [settleTx] = await capture(deps, () => settleReservation(deps, id, { value: units(2) }));
    if (!reserveTx || !settleTx) throw new Error("nothing captured");
    const [rPut, rWallet] = reserveTx.TransactItems!;
    const [sStatus, sEvent, sWallet] = settleTx.TransactItems!;
    if (!rPut?.Put || !rWallet?.Update || !sStatus?.Update || !sEvent?.Put || !sWallet?.Update)
      throw new Error(`unexpected shapes: ${JSON.stringify([reserveTx, settleTx]).slice(0, 400)}`);
    if (process.argv.includes("--print")) console.log(JSON.stringify([reserveTx, settleTx], null, 1));
    log(
      `reserve: ${reserveTx.TransactItems!.length} items (reservation ${itemBytes(rPut.Put.Item!)} B); settle: ${settleTx.TransactItems!.length} items (event ${itemBytes(sEvent.Put.Item!)} B)`,
    );

    const reservationPut = (key: string, at?: "event", gsi1 = true): Items[number] => {
      const item = { ...rPut.Put!.Item! };
      const expiresAt = item.holdExpiresAt!.S!;
      Object.assign(item, marshall(at === "event" ? keys.event(C, key) : keys.reservation(C, key)));
      if (gsi1) Object.assign(item, marshall(keys.holdDue(C, key, expiresAt)));
      else {
        delete item.gsi1pk;
        delete item.gsi1sk;
      }
      return { Put: { ...rPut.Put!, Item: item } };
    };
    const eventPut = (key: string): Items[number] => {
      const item = { ...sEvent.Put!.Item! };
      Object.assign(
        item,
        marshall({
          ...keys.event(C, key),
          ...keys.eventTimeline(C, new Date().toISOString(), nextRecordingOrder(), key),
          idempotencyKey: key,
        }),
      );
      return { Put: { ...sEvent.Put!, Item: item } };
    };
    const statusUpdate = (key: string): Items[number] => ({
      Update: { ...sStatus.Update!, Key: marshall(keys.reservation(C, key)) },
    });
    const statusCheck = (key: string): Items[number] => ({
      ConditionCheck: {
        TableName: sStatus.Update!.TableName,
        Key: marshall(keys.reservation(C, key)),
        ConditionExpression: "#status IN (:held, :expired)",
        ExpressionAttributeNames: { "#status": "status" },
        ExpressionAttributeValues: { ":held": S("HELD"), ":expired": S("EXPIRED") },
        ReturnValuesOnConditionCheckFailure: "ALL_OLD",
      },
    });
    const eventOverReservation = (key: string): Items[number] => {
      const put = eventPut(key).Put!;
      return {
        Put: {
          ...put,
          ConditionExpression: "#status = :held",
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: { ":held": S("HELD") },
        },
      };
    };
    const send = (items: Items) => raw.send(new TransactWriteItemsCommand({ TransactItems: items }));
    const pairOf =
      (reserve: (k: string) => Items, settle: (k: string) => Items, strip = false) =>
      async (k: string) => {
        await send(strip ? noRV(reserve(k)) : reserve(k));
        await send(strip ? noRV(settle(k)) : settle(k));
      };

    const reserveToday = (k: string) => [reservationPut(k), rWallet];
    const settleToday = (k: string) => [statusUpdate(k), eventPut(k), sWallet];
    const keepGsi1 = (k: string): Items[number] => {
      const u = { ...sStatus.Update!, Key: marshall(keys.reservation(C, k)) };
      u.UpdateExpression = u.UpdateExpression!.replace(/\s*REMOVE gsi1pk, gsi1sk/, "");
      return { Update: u };
    };
    const settledPut = (k: string): Items[number] => {
      const item = reservationPut(k, undefined, false).Put!.Item!;
      return {
        Put: {
          TableName: sStatus.Update!.TableName,
          Item: { ...item, status: S("SETTLED") },
          ConditionExpression: "#status = :held",
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: { ":held": S("HELD") },
          ReturnValuesOnConditionCheckFailure: "ALL_OLD",
        },
      };
    };
    // The wallet updates in other shapes of the open holds (core/wallet.ts): none at all (before
    // the map), or one top-level attribute per hold plus a counter instead of the nested map.
    type Update = NonNullable<Items[number]["Update"]>;
    /** Drops the expression names and values an update no longer uses (DynamoDB refuses unused ones). */
    const tidy = (u: Update): Update => {
      const text = `${u.UpdateExpression} ${u.ConditionExpression ?? ""}`;
      const used = (k: string) => new RegExp(`${k}(?![A-Za-z0-9_])`).test(text);
      u.ExpressionAttributeNames = Object.fromEntries(
        Object.entries(u.ExpressionAttributeNames ?? {}).filter(([k]) => used(k)),
      );
      u.ExpressionAttributeValues = Object.fromEntries(
        Object.entries(u.ExpressionAttributeValues ?? {}).filter(([k]) => used(k)),
      );
      return u;
    };
    type Holds = "map" | "none" | "top" | "map-nosize" | "top-nocount" | "map-long" | "map-short" | "map-iso";
    const walletReserve = (k: string, holds: Holds): Items[number] => {
      const u = structuredClone(rWallet.Update!);
      u.ExpressionAttributeNames!["#holdKey"] = k;
      if (holds === "none") {
        u.UpdateExpression = u.UpdateExpression!.replace(", #holds.#holdKey = :holdAt", "");
        u.ConditionExpression = u.ConditionExpression!.replace("size(#holds) < :maxHolds AND ", "");
      } else if (holds === "map-long") {
        // What an entry's bytes cost: a value 4x as long as the expiry.
        u.ExpressionAttributeValues![":holdAt"] = { S: u.ExpressionAttributeValues![":holdAt"]!.S!.repeat(4) };
      } else if (holds === "map-short" || holds === "map-iso") {
        // The expiry as 8 characters (base-36 milliseconds, today's) or as its 24-character ISO instant.
        const at = holdExpiryOf(u.ExpressionAttributeValues![":holdAt"]!.S!);
        u.ExpressionAttributeValues![":holdAt"] = { S: holds === "map-iso" ? at : holdStamp(at) };
      } else if (holds === "map-nosize") {
        u.ConditionExpression = u.ConditionExpression!.replace("size(#holds) < :maxHolds AND ", "");
      } else if (holds === "top-nocount") {
        u.ExpressionAttributeNames!["#holdKey"] = `hold#${k}`;
        u.UpdateExpression = u.UpdateExpression!.replace("#holds.#holdKey", "#holdKey");
        u.ConditionExpression = u.ConditionExpression!.replace("size(#holds) < :maxHolds AND ", "");
      } else if (holds === "top") {
        u.ExpressionAttributeNames!["#holdKey"] = `hold#${k}`;
        u.UpdateExpression = u
          .UpdateExpression!.replace("#holds.#holdKey", "#holdKey")
          .replace("holdsMade :one", "holdsMade :one, openHolds :one");
        u.ConditionExpression = u.ConditionExpression!.replace(
          "size(#holds) < :maxHolds",
          "(attribute_not_exists(openHolds) OR openHolds < :maxHolds)",
        );
      }
      return { Update: tidy(u) };
    };
    const walletSettle = (k: string, holds: Holds): Items[number] => {
      const u = structuredClone(sWallet.Update!);
      u.ExpressionAttributeNames!["#holdKey"] = k;
      if (holds === "none") {
        u.UpdateExpression = u.UpdateExpression!.replace(" REMOVE #holds.#holdKey", "");
        u.ConditionExpression = u.ConditionExpression!.replace(" AND attribute_exists(#holds)", "");
      } else if (holds === "top-nocount") {
        u.ExpressionAttributeNames!["#holdKey"] = `hold#${k}`;
        u.UpdateExpression = u.UpdateExpression!.replace("REMOVE #holds.#holdKey", "REMOVE #holdKey");
        u.ConditionExpression = u.ConditionExpression!.replace(" AND attribute_exists(#holds)", "");
      } else if (holds === "top") {
        u.ExpressionAttributeNames!["#holdKey"] = `hold#${k}`;
        u.ExpressionAttributeValues![":negOne"] = { N: "-1" };
        u.UpdateExpression = u
          .UpdateExpression!.replace("REMOVE #holds.#holdKey", "REMOVE #holdKey")
          .replace("#heldUsage :heldUsage", "#heldUsage :heldUsage, openHolds :negOne");
        u.ConditionExpression = u.ConditionExpression!.replace(" AND attribute_exists(#holds)", "");
      }
      return { Update: tidy(u) };
    };
    const statusNoGsi1 = (k: string): Items[number] => {
      const u = { ...sStatus.Update!, Key: marshall(keys.reservation(C, k)) };
      u.UpdateExpression = u.UpdateExpression!.replace(/\s*REMOVE gsi1pk, gsi1sk/, "");
      return { Update: u };
    };
    const variant = (holds: Holds, gsi1: boolean) =>
      pairOf(
        (k) => [reservationPut(k, undefined, gsi1), walletReserve(k, holds)],
        (k) => [gsi1 ? statusUpdate(k) : statusNoGsi1(k), eventPut(k), walletSettle(k, holds)],
      );
    const all: Record<string, (k: string) => Promise<unknown>> = {
      pair: variant("map", true),
      "map-no-gsi1": variant("map", false),
      top: variant("top", true),
      "map-nosize": variant("map-nosize", true),
      "map-long": variant("map-long", true),
      "map-short": variant("map-short", true),
      "map-iso": variant("map-iso", true),
      "top-nocount": variant("top-nocount", true),
      "top-no-gsi1": variant("top", false),
      "no-holds": variant("none", true),
      "no-holds-no-gsi1": variant("none", false),
      "pair-as-captured": pairOf(reserveToday, settleToday),
      "pair-noRV": pairOf(reserveToday, settleToday, true),
      "keep-gsi1": pairOf(reserveToday, (k) => [keepGsi1(k), eventPut(k), sWallet]),
      "settle-put": pairOf(reserveToday, (k) => [settledPut(k), eventPut(k), sWallet]),
      check: pairOf(reserveToday, (k) => [statusCheck(k), eventPut(k), sWallet]),
      "check-noRV": pairOf(reserveToday, (k) => [statusCheck(k), eventPut(k), sWallet], true),
      "at-event": pairOf(
        (k) => [reservationPut(k, "event"), rWallet],
        (k) => [eventOverReservation(k), sWallet],
      ),
      "at-event-noRV": pairOf(
        (k) => [reservationPut(k, "event"), rWallet],
        (k) => [eventOverReservation(k), sWallet],
        true,
      ),
      // The settle leaves the reservation item as it is: the wallet's open-hold entry decides (its
      // condition) and its removal is the settle; the stored HELD is cleaned later, off the hot path.
      "by-wallet": pairOf(
        (k) => [reservationPut(k), walletReserve(k, "map")],
        (k) => {
          const u = structuredClone(sWallet.Update!);
          u.ExpressionAttributeNames!["#holdKey"] = k;
          u.ConditionExpression = u.ConditionExpression!.replace(
            "attribute_exists(#holds)",
            "attribute_exists(#holds.#holdKey)",
          );
          return [eventPut(k), { Update: u }];
        },
      ),
      "no-gsi1": pairOf((k) => [reservationPut(k, undefined, false), rWallet], settleToday),
      "2 tracks": async (k) => {
        await seeded.rawTx(C, `${k}-a`);
        await seeded.rawTx(C, `${k}-b`);
      },
    };
    const chosen = arg("shapes", "");
    const shapes = chosen ? Object.fromEntries(chosen.split(",").map((n) => [n, all[n]!])) : all;
    const rawTrack = (k: string) => seeded.rawTx(C, k);

    if (GROWTH) {
      // DynamoDB Local validates every item of a transaction against its table, and that lookup
      // computes the table's stream description with MIN(SequenceNumber) over the stream's
      // records: each item costs more as the stream grows. Single operations (the fastest tenth)
      // at a growing number of stream records, today's pair against the raw track.
      let written = 0;
      for (let step = 0; step <= GROWTH_STEPS; step++) {
        const p10 = async (prefix: string, op: (k: string) => Promise<unknown>) => {
          const times: number[] = [];
          for (let n = 0; n < C1_OPS; n++) {
            const t = performance.now();
            await op(keyOf(`${prefix}${step}`, n));
            times.push(performance.now() - t);
          }
          return times.sort((x, y) => x - y)[Math.floor(times.length / 10)]!;
        };
        const raw1 = await p10("gr", rawTrack);
        const pair1 = await p10("gp", shapes.pair ?? all.pair!);
        const at1 = await p10("ga", all["at-event"]!);
        // Each step's single operations wrote about 2 (raw), 5 (pair), 4 (at-event) records each.
        written += C1_OPS * 11;
        console.log(
          `stream records ~${written.toLocaleString("en-US")}: raw track p10 ${raw1.toFixed(2)} ms, pair ${pair1.toFixed(2)} ms (${(raw1 / pair1).toFixed(3)}), at-event ${at1.toFixed(2)} ms (${(raw1 / at1).toFixed(3)})`,
        );
        if (step < GROWTH_STEPS) {
          await runCount(8, GROWTH_TX, (n) => rawTrack(keyOf(`fill${step}`, n)));
          written += GROWTH_TX * 2;
        }
      }
      return;
    }
    const pid = javaPid(dynamo.port);
    // Warm both sides (the JVM, the SDK) before measuring.
    await runLoad(8, 3000, (n) => rawTrack(keyOf("w-raw", n)), 0);
    for (const [name, op] of Object.entries(shapes))
      await runLoad(8, 1000, (n) => op(keyOf(`w-${name}`, n)).then(() => undefined), 0);

    type Row = {
      ratio: number[];
      rate: number[];
      cpuRatio: number[];
      dbCpu: number[];
      c1: number[];
      c1Ratio: number[];
    };
    const rows: Record<string, Row> = Object.fromEntries(
      Object.keys(shapes).map((n) => [n, { ratio: [], rate: [], cpuRatio: [], dbCpu: [], c1: [], c1Ratio: [] }]),
    );
    const raws: { rate: number[]; dbCpu: number[]; c1: number[] } = { rate: [], dbCpu: [], c1: [] };
    for (let round = 0; round < ROUNDS; round++) {
      // Raw before each shape, so each ratio compares neighbours in time (the load moves).
      for (const [name, op] of Object.entries(shapes)) {
        const r = await measured(pid, MS, `raw${round}${name}`, rawTrack);
        const p = await measured(pid, MS, `p${round}${name}`, op);
        if (r.errors || p.errors)
          log(`  ${name}: errors raw ${r.errors} pair ${p.errors} (${p.firstError ?? r.firstError})`);
        raws.rate.push(r.opsPerSec);
        raws.dbCpu.push(r.dbCpu);
        raws.c1.push(r.c1p50);
        const row = rows[name]!;
        row.rate.push(p.opsPerSec);
        row.ratio.push(p.opsPerSec / r.opsPerSec);
        row.dbCpu.push(p.dbCpu);
        // What the pairs' rate would be if DynamoDB Local's CPU were all that limits both sides.
        row.cpuRatio.push(r.dbCpu / p.dbCpu);
        row.c1.push(p.c1p50);
        row.c1Ratio.push(r.c1p50 / p.c1p50);
      }
      log(
        `round ${round + 1}: ${Object.entries(rows)
          .map(
            ([n, r]) =>
              `${n} ${r.ratio.at(-1)!.toFixed(3)} (cpu ${r.cpuRatio.at(-1)!.toFixed(3)}, c1 ${r.c1Ratio.at(-1)!.toFixed(3)})`,
          )
          .join(", ")}`,
      );
    }
    const f = (xs: number[], d = 3) => median(xs).toFixed(d);
    console.log(
      `raw track: median ${f(raws.rate, 0)} tx/s at c8, ${f(raws.c1, 2)} ms p10 at c1, DynamoDB Local CPU ${f(raws.dbCpu, 2)} ms per transaction`,
    );
    console.log(
      "| shape | pairs/s c8 | pair / raw rate c8 | pair p10 c1 (ms) | raw p10 / pair p10, c1 | DynamoDB Local CPU ms per pair | raw CPU / pair CPU | rate ratio by round |",
    );
    console.log("|---|---|---|---|---|---|---|---|");
    for (const [name, r] of Object.entries(rows))
      console.log(
        `| ${name} | ${f(r.rate, 0)} | ${f(r.ratio)} | ${f(r.c1, 2)} | ${f(r.c1Ratio)} | ${f(r.dbCpu, 2)} | ${f(r.cpuRatio)} | ${r.ratio.map((x) => x.toFixed(2)).join(", ")} |`,
      );
  } finally {
    await dynamo.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
