/**
 * The customer page's actions that arrive with operations being built in parallel. Each is shown
 * only when the API the console was built with has its operation (shared/operations.ts), so the
 * console never offers a button the API would refuse as unknown. Their names and arguments are the
 * binding ones of the API's contract (api-2.graphql):
 *
 * - `grantCredits(customerId, credits, reason, idempotencyKey, expiresAt): Wallet` ("Grant credits",
 *   on an active CREDITS subscription): ./grant-credits.tsx
 * - `previewPlanChange(customerId, planCode, timing): InvoicePreview`: the "Change plan" form
 *   (customer-actions.tsx) shows it before the change is confirmed
 * - `createPortalSession(customerId, returnUrl, ttlSeconds): PortalSession` ("Portal link": show the
 *   URL once, to copy; its customer token is in the fragment): ./portal-link.tsx
 *
 * Adding one is one entry in OPTIONAL_ACTIONS: the operation's name, when it applies, and its form
 * (customer-actions.tsx's useAction runs a mutation and reports errors; a money-moving form carries
 * an idempotency key made when it opens). The browser test then covers it like the other actions.
 */
import type { ComponentType } from "preact";
import type { OptionalOperation } from "../../shared/optional-operations";
import { hasOperation } from "../../shared/operations";
import type { CustomerData } from "./customer";
import { GrantCredits, grantApplies } from "./grant-credits";
import { PortalLink } from "./portal-link";

export type OptionalActionProps = { data: CustomerData; onChange: (done: string) => void };

export type OptionalAction = {
  /** The API operation the form calls; the form is hidden while the API has none of that name. */
  operation: OptionalOperation;
  /** Whether it applies to this customer now (e.g. grantCredits: an active CREDITS subscription). */
  applies: (data: CustomerData) => boolean;
  Form: ComponentType<OptionalActionProps>;
};

export const OPTIONAL_ACTIONS: readonly OptionalAction[] = [
  { operation: "grantCredits", applies: grantApplies, Form: GrantCredits },
  { operation: "createPortalSession", applies: () => true, Form: PortalLink },
];

export function OptionalActions(props: OptionalActionProps) {
  return (
    <>
      {OPTIONAL_ACTIONS.filter((a) => hasOperation(a.operation) && a.applies(props.data)).map(({ operation, Form }) => (
        <Form key={operation} {...props} />
      ))}
    </>
  );
}
