/**
 * The EventBridge bus business events go to (source `billing`: invoice.created,
 * subscription.renewed, credits.depleted, ...). Consumers attach rules to it; see the README.
 */
export const bus = new sst.aws.Bus("Bus");
