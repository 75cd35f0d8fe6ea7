/**
 * The portal's frame: takes the session from the link's fragment, learns whose it is
 * (`portalSession`), then shows the page the URL names. A missing, expired or revoked session
 * shows one clear state: ask for a new link (from the company's app, via the return link).
 */
import type { ComponentChildren } from "preact";
import { useEffect, useState } from "preact/hooks";
import { ApiError } from "../shared/api";
import { matchRoute, useLocation } from "../shared/router";
import { Loading, Notice } from "../shared/ui";
import { onSessionEnded, portalGql } from "./api";
import { HomePage } from "./pages/home";
import { InvoicePage } from "./pages/invoice";
import { BASE } from "./paths";
import { adoptLink, type PortalLink } from "./session";

export type Session = { customerId: string; expiresAt: string; testMode: boolean; returnUrl: string | null };

export function App() {
  const [link] = useState<PortalLink>(adoptLink);
  const [session, setSession] = useState<Session>();
  const [ended, setEnded] = useState(!link.token);
  const [failure, setFailure] = useState<string>();
  const { path } = useLocation();
  useEffect(() => onSessionEnded(() => setEnded(true)), []);
  useEffect(() => {
    // A new link opened in this tab while the portal shows (only the fragment changes, so the
    // browser does not reload): take its session and start again with it.
    const adoptNew = () => {
      if (!new URLSearchParams(location.hash.slice(1)).get("token")) return;
      adoptLink();
      location.reload();
    };
    addEventListener("hashchange", adoptNew);
    return () => removeEventListener("hashchange", adoptNew);
  }, []);
  useEffect(() => {
    if (!link.token) return;
    portalGql<{ portalSession: Omit<Session, "returnUrl"> }>(
      `{ portalSession { customerId expiresAt testMode } }`,
    ).then(
      ({ portalSession }) => setSession({ ...portalSession, returnUrl: link.returnUrl }),
      (error: unknown) => {
        if (error instanceof ApiError && (error.code === "UNAUTHENTICATED" || error.code === "FORBIDDEN"))
          setEnded(true);
        else setFailure(error instanceof Error ? error.message : String(error));
      },
    );
  }, [link.token]);

  let page: ComponentChildren;
  if (ended) page = <Ended returnUrl={link.returnUrl} />;
  else if (failure) page = <Notice kind="error">{failure}</Notice>;
  else if (!session) page = <Loading />;
  else
    page = matchRoute<ComponentChildren>(path, [
      [BASE, () => <HomePage session={session} />],
      [`${BASE}/invoices/:id`, ({ id }) => <InvoicePage id={id!} />],
    ]) ?? <HomePage session={session} />;
  return (
    <div class="portal">
      <header class="portal-head">
        <p class="brand">Billing</p>
        {link.returnUrl && (
          <a class="portal-back" href={link.returnUrl}>
            Back to the app
          </a>
        )}
      </header>
      <main id="content">{page}</main>
    </div>
  );
}

function Ended({ returnUrl }: { returnUrl: string | null }) {
  return (
    <section class="card portal-ended" aria-labelledby="ended-title">
      <h1 id="ended-title">This billing link has expired</h1>
      <p>For your security, billing links work for a short time only. Ask for a new link from the app you came from.</p>
      {returnUrl && (
        <p>
          <a class="button button-primary" href={returnUrl}>
            Back to the app
          </a>
        </p>
      )}
    </section>
  );
}
