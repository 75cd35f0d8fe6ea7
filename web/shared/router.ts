/**
 * Routing in the browser under the app's base path (`/console/...`), with the History API: real
 * URLs that can be bookmarked and printed, no hash. The server answers the app's index.html for
 * any path under the base (web/server/respond.ts).
 */
import { useEffect, useState } from "preact/hooks";

const NAVIGATE = "app:navigate";

export function navigate(path: string, options: { replace?: boolean } = {}): void {
  if (options.replace) history.replaceState(null, "", path);
  else history.pushState(null, "", path);
  dispatchEvent(new Event(NAVIGATE));
  window.scrollTo(0, 0);
}

/** The current location's path and query, re-rendering on navigation. */
export function useLocation(): { path: string; query: URLSearchParams } {
  const read = () => ({ path: location.pathname, query: new URLSearchParams(location.search) });
  const [current, setCurrent] = useState(read);
  useEffect(() => {
    const update = () => setCurrent(read());
    addEventListener("popstate", update);
    addEventListener(NAVIGATE, update);
    return () => {
      removeEventListener("popstate", update);
      removeEventListener(NAVIGATE, update);
    };
  }, []);
  return current;
}

/**
 * Matches `path` against patterns like `/console/customers/:id`; the first match wins.
 * Parameters are URI-decoded.
 */
export function matchRoute<R>(
  path: string,
  routes: [pattern: string, render: (params: Record<string, string>) => R][],
): R | undefined {
  const parts = path.replace(/\/+$/, "").split("/");
  for (const [pattern, render] of routes) {
    const want = pattern.replace(/\/+$/, "").split("/");
    if (want.length !== parts.length) continue;
    const params: Record<string, string> = {};
    if (
      want.every((segment, i) => {
        if (segment.startsWith(":")) {
          params[segment.slice(1)] = decodeURIComponent(parts[i]!);
          return parts[i] !== "";
        }
        return segment === parts[i];
      })
    )
      return render(params);
  }
  return undefined;
}
