/**
 * The EventBridge bus business events go to (source `billing`: invoice.created,
 * subscription.renewed, credits.depleted, ...). Consumers attach rules to it; see docs/deploy.md and docs/events.md.
 */
export const bus = new sst.aws.Bus("Bus");
