/**
 * Section 0, the warm-up. A fresh Node process runs interpreted code for its first few thousand
 * requests, and DynamoDB Local's JVM likewise: the API server's CPU per track falls from ~4 ms to
 * ~1 ms over its first ~5,000 requests, DynamoDB Local's from ~10 ms to ~1.5 ms per transaction
 * (bench/profile-track.ts shows both). Without a warm-up the first rows measure the JIT, and
 * whichever side runs first pays for DynamoDB Local's. Both sides get the same warm-up here,
 * alternating, so the rows after it are steady state, as a server or Lambda container under load
 * runs. `--no-warmup` skips it (the benchmark as it was before).
 */
import { runCount } from "../lib";
import { type BenchContext, keyOf, log, mixOf } from "./context";

export type WarmupResult = { perSide: number; seconds: number };

export async function warmUp(ctx: BenchContext): Promise<WarmupResult> {
  const perSide = ctx.settings.warmup;
  const started = performance.now();
  if (perSide) {
    log(
      `bench: warming up (${perSide} raw transactions and ${perSide} trackUsage, alternating; ${perSide / 3} GetItem and entitlement checks)...`,
    );
    for (let round = 0; round < 3; round++) {
      await runCount(8, perSide / 3, (n) => ctx.rawTx("c-hot", keyOf(`w${round}r`, n)));
      await runCount(8, perSide / 3, (n) => ctx.gqlTrack("c-hot", keyOf(`w${round}g`, n)));
    }
    await runCount(8, perSide / 3, (n) => ctx.rawGetWallet(mixOf(n)));
    await runCount(8, perSide / 3, (n) => ctx.gqlEntitlement(mixOf(n)));
  }
  return { perSide, seconds: (performance.now() - started) / 1000 };
}
