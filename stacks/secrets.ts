/**
 * The bootstrap API key. It has no placeholder on purpose: a stage will not deploy until
 * `npx sst secret set ApiKey <value> --stage <name>` has set it.
 */
export const apiKey = new sst.Secret("ApiKey");
