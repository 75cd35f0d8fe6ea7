/**
 * The portal session in the browser. The link a company's backend got from createPortalSession
 * carries the portal token and the return link in its fragment (#token=...&return=...), which no
 * browser sends to a server. On load the page moves both to sessionStorage (this tab only; never
 * localStorage, a cookie or a URL) and removes the fragment from the address bar and history, so
 * the token is not left in a bookmark, a shared screenshot of the URL or the back button.
 */
const TOKEN = "billing.portal.token";
const RETURN = "billing.portal.return";

export type PortalLink = { token: string | null; returnUrl: string | null };

/** Takes the fragment's token (a new link replaces the tab's session), then answers what the tab holds. */
export function adoptLink(): PortalLink {
  const fragment = new URLSearchParams(location.hash.slice(1));
  const token = fragment.get("token");
  if (token) {
    try {
      sessionStorage.setItem(TOKEN, token);
      const back = fragment.get("return");
      if (back && /^https?:\/\//.test(back)) sessionStorage.setItem(RETURN, back);
      else sessionStorage.removeItem(RETURN);
    } catch {
      // Storage disabled: the session lives in memory for this page view only.
      memory = { token, returnUrl: fragment.get("return") };
    }
    history.replaceState(null, "", location.pathname + location.search);
  }
  return current();
}

let memory: PortalLink | undefined;

export function current(): PortalLink {
  if (memory) return memory;
  try {
    return { token: sessionStorage.getItem(TOKEN), returnUrl: sessionStorage.getItem(RETURN) };
  } catch {
    return { token: null, returnUrl: null };
  }
}
