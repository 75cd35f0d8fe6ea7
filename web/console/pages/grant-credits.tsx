/**
 * "Grant credits" (grantCredits): free credits for a customer on a CREDITS plan, a goodwill or
 * promotional grant with its reason, optionally expiring at a UTC midnight. Granted credits are
 * spent after the plan's and before purchased ones, expiring ones first. The form carries one
 * idempotency key from when it opens until a grant succeeds, so a double click or a retried
 * request grants once; each error is shown beside the field it names.
 */
import { isRunning } from "../../shared/subscription";
import { useState } from "preact/hooks";
import { argumentErrors, gql } from "../../shared/api";
import { quantity } from "../../shared/decimal";
import { Button, Field, Input, Notice } from "../../shared/ui";
import type { OptionalActionProps } from "./optional-actions";

const newKey = () => `console-grant-${crypto.randomUUID()}`;
const FIELDS = ["credits", "reason", "expiresAt"] as const;

export const grantApplies = (data: OptionalActionProps["data"]) =>
  isRunning(data.customer?.subscription) && data.customer!.subscription!.plan.model === "CREDITS";

export function GrantCredits({ data, onChange }: OptionalActionProps) {
  const [credits, setCredits] = useState("");
  const [reason, setReason] = useState("");
  const [expiresOn, setExpiresOn] = useState("");
  const [key, setKey] = useState(newKey);
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const submit = async () => {
    if (busy) return;
    setBusy(true);
    setErrors({});
    try {
      await gql(
        `mutation Grant($customerId: ID!, $credits: Decimal!, $reason: String!, $expiresAt: DateTime, $key: ID!) {
          grantCredits(customerId: $customerId, credits: $credits, reason: $reason, expiresAt: $expiresAt, idempotencyKey: $key) { credits }
        }`,
        {
          customerId: data.customer!.id,
          credits: credits.trim(),
          reason,
          expiresAt: expiresOn ? `${expiresOn}T00:00:00Z` : null,
          key,
        },
      );
      const granted = credits.trim();
      setCredits("");
      setReason("");
      setExpiresOn("");
      setKey(newKey());
      onChange(`Granted ${quantity(granted)} credits${expiresOn ? `, expiring on ${expiresOn}` : ""}.`);
    } catch (error) {
      setErrors(argumentErrors(error, FIELDS));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form
      aria-label="Grant credits"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <h3>Grant credits</h3>
      {errors[""] && <Notice kind="error">{errors[""]}</Notice>}
      <div class="inline-form">
        <Field label="Credits" name="grantCredits" error={errors.credits}>
          {(a) => <Input {...a} inputMode="decimal" value={credits} onValue={setCredits} />}
        </Field>
        <Field label="Reason" name="grantReason" error={errors.reason} hint="Kept with the grant, e.g. a support case.">
          {(a) => <Input {...a} value={reason} onValue={setReason} />}
        </Field>
        <Field
          label="Expires on (optional)"
          name="grantExpires"
          error={errors.expiresAt}
          hint="At 00:00 UTC that day; expiring credits are spent first."
        >
          {(a) => <Input {...a} type="date" value={expiresOn} onValue={setExpiresOn} />}
        </Field>
        <Button type="submit" busy={busy}>
          Grant credits
        </Button>
      </div>
    </form>
  );
}
