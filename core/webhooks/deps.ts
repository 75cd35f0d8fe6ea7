/**
 * What the webhook operations need besides core's deps: the vault that seals endpoint secrets
 * (keyed by the deployment's signing secret) and the transport attempts are sent with (HTTP with
 * the SSRF rules of the deployment's clock mode, unless a test gives its own).
 */
import type { Deps } from "../deps";
import { type SecretVault, secretVault } from "./secrets";
import { httpTransport, type Transport } from "./transport";

export type WebhookDeps = Deps & { vault: SecretVault; transport: Transport };

export function webhookDeps(deps: Deps, signingSecret: string, transport?: Transport): WebhookDeps {
  return {
    ...deps,
    vault: secretVault(signingSecret),
    transport: transport ?? httpTransport({ mode: deps.clock.mode }),
  };
}
