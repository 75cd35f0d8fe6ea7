/**
 * The signed-in key, in sessionStorage: it lives as long as the tab, is never written to a URL,
 * a cookie or localStorage, and other tabs and origins cannot read it. Signing out forgets it.
 */
const STORAGE_KEY = "billing.apiKey";

type Listener = () => void;
const listeners = new Set<Listener>();

export function currentKey(): string | null {
  try {
    return sessionStorage.getItem(STORAGE_KEY);
  } catch {
    return null; // storage disabled: the operator signs in on every load
  }
}

export function signIn(key: string): void {
  sessionStorage.setItem(STORAGE_KEY, key);
  for (const listener of listeners) listener();
}

export function signOut(): void {
  sessionStorage.removeItem(STORAGE_KEY);
  for (const listener of listeners) listener();
}

export function onSessionChange(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
