/**
 * Section 4: the entitlement check over HTTP against the raw read it makes, a GetItem of the
 * wallet (strongly consistent, as the check reads it), at concurrency 8 over MIX customers.
 */
import { perOp, runLoad, type LoadResult } from "../lib";
import { type BenchContext, log, mixOf } from "./context";

export type EntitlementResult = {
  rawGetItem: LoadResult;
  api: LoadResult;
  ratio: number;
  requestsPerCheck: Record<string, number>;
};

export async function measureEntitlement(ctx: BenchContext): Promise<EntitlementResult> {
  log("bench: entitlement vs GetItem...");
  const rawGetItem = await runLoad(8, ctx.settings.runMs, (n) => ctx.rawGetWallet(mixOf(n)));
  await ctx.api.counting("requests"); // as the raw side: no capacity asked for (bench/measure/track.ts)
  await ctx.api.reset();
  const api = await runLoad(8, ctx.settings.runMs, (n) => ctx.gqlEntitlement(mixOf(n)));
  const stats = await ctx.api.stats();
  await ctx.api.counting(true);
  return {
    rawGetItem,
    api,
    ratio: api.opsPerSec / rawGetItem.opsPerSec,
    requestsPerCheck: perOp(stats.requests, stats.graphqlRequests),
  };
}
