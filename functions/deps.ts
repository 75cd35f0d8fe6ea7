/**
 * Builds the core's dependencies from configuration, once per process (Lambda container or
 * local server): the table client, the clock (stored test clock or real time) and the publisher
 * of business events (EventBridge when a bus is configured, otherwise a recording one).
 */
import { realClock } from "../core/clock";
import { createDb } from "../core/db/client";
import { storedTestClock } from "../core/db/test-clock";
import { RecordingPublisher, type Deps } from "../core/deps";
import { EventBridgePublisher } from "../core/aws/event-bridge";
import type { Config } from "./config";

export function depsFromConfig(config: Config): Deps {
  const db = createDb({ table: config.table, endpoint: config.endpoint });
  return {
    db,
    clock: config.clock === "test" ? storedTestClock(db) : realClock,
    publisher: config.busName ? new EventBridgePublisher(config.busName) : new RecordingPublisher(),
    ...(config.gracePeriodMs ? { gracePeriodMs: config.gracePeriodMs } : {}),
  };
}
