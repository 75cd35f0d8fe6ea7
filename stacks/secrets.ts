/**
 * The deployment's secrets. Neither has a placeholder on purpose: a stage will not deploy until
 * both are set:
 *
 *   npx sst secret set ApiKey <value> --stage <name>              the bootstrap (ADMIN) API key
 *   npx sst secret set SigningSecret <value> --stage <name>       signs customer tokens
 *
 * Rotating SigningSecret invalidates every customer token at once; rotating ApiKey does not.
 */
export const apiKey = new sst.Secret("ApiKey");
export const signingSecret = new sst.Secret("SigningSecret");
