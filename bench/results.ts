/** What `npm run bench` measures, as bench/results.json holds it (one field per section). */
import type { ClientBenchResult } from "./client";
import type { BatchResult } from "./measure/batch";
import type { CatchUpResult } from "./measure/catch-up";
import type { ClosesResult } from "./measure/closes";
import type { ColdStartResult } from "./measure/cold-start";
import type { CostResult, UnitsByItem } from "./measure/cost";
import type { CpuResult } from "./measure/cpu";
import type { EntitlementResult } from "./measure/entitlement";
import type { SingleTrackResult, TrackResults } from "./measure/track";
import type { WarmupResult } from "./measure/warmup";
import type { WebhooksResult } from "./measure/webhooks";
import type { ProcessesResult } from "./measure/processes";
import type { ScaleResult } from "./measure/scale";
import type { ReserveResult } from "./measure/reserve";

export type Results = {
  machine: { cpus: number; node: string; quick: boolean };
  clock: string;
  items: { eventItemBytes: number; transactItems: number; walletItemBytes: number };
  warmup: WarmupResult;
  /** The server's CPU per request, c1 (budget item 1). */
  cpu?: CpuResult;
  track: TrackResults;
  singleTrack: SingleTrackResult;
  batch: BatchResult;
  entitlement: EntitlementResult;
  /** The TypeScript client's CPU per track over raw fetch, and a batch through it (bench/client.ts). */
  client?: ClientBenchResult;
  closes: ClosesResult;
  coldStart: ColdStartResult;
  cost: CostResult;
  /** A single event's write units by item, as DynamoDB Local reports them (budget item 5). */
  unitsByItem?: UnitsByItem;
  catchUp: CatchUpResult;
  webhooks?: WebhooksResult;
  /** `--only processes`: 4 API processes on one table (budget item 8). */
  processes?: ProcessesResult;
  /** `--only reserve`: reserve + settle pairs vs the raw transaction (issue 15's budget). */
  reserve?: ReserveResult;
  /** `--only scale`: 100,000 customers (budget item 7). */
  scale?: ScaleResult;
  /** Which bench line measures each operation of this wave (budget item 9). */
  coverage?: { lines: { operation: string; section: string; measured: boolean }[]; covered: number };
  /** The whole run, seconds. */
  totalSeconds?: number;
};
