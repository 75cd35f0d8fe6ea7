/**
 * The catalog sync's CloudWatch metric (Embedded Metric Format, functions/sync-catalog.ts): held
 * price changes, or 1 for a refused feed, per run. stacks/alarms.ts alarms on it, so the names live
 * here, in a module with no imports that the stacks can load.
 */
export const METRIC_NAMESPACE = "AiBilling/Catalog";
export const ANOMALY_METRIC = "CatalogSyncAnomalies";
