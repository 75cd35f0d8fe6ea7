/**
 * "Portal link": a portal session for this customer (createPortalSession, 30 minutes), shown once
 * to open or copy, e.g. to look at what the customer sees or to send it on. Its token is in the
 * URL's fragment; the console keeps nothing of it.
 */
import { useState } from "preact/hooks";
import { gql } from "../../shared/api";
import { dateTime } from "../../shared/time";
import { Button, Notice } from "../../shared/ui";
import type { OptionalActionProps } from "./optional-actions";

export function PortalLink({ data }: OptionalActionProps) {
  const [session, setSession] = useState<{ url: string; expiresAt: string }>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const create = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const answer = await gql<{ createPortalSession: { url: string; expiresAt: string } }>(
        `mutation PortalLink($c: ID!) { createPortalSession(customerId: $c) { url expiresAt } }`,
        { c: data.customer!.id },
      );
      setSession(answer.createPortalSession);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div>
      <h3>Customer portal</h3>
      <Button busy={busy} onClick={create}>
        Portal link
      </Button>
      {error && <Notice kind="error">{error}</Notice>}
      {session && (
        <Notice kind="info">
          <a href={session.url} target="_blank" rel="noopener noreferrer">
            Open the customer's portal
          </a>{" "}
          (valid until {dateTime(session.expiresAt)}). <code class="secret">{session.url}</code>
        </Notice>
      )}
    </div>
  );
}
