/**
 * The portal's requests: the shared GraphQL client (web/shared/api.ts) with the portal token as
 * its bearer. An UNAUTHENTICATED answer means the session ended (expired or revoked): the app
 * shows "ask for a new link" instead of the page.
 */
import { ApiError, gql } from "../shared/api";
import { current } from "./session";

const listeners = new Set<() => void>();

export async function portalGql<T>(query: string, variables?: Record<string, unknown>): Promise<T> {
  try {
    return await gql<T>(query, variables, current().token);
  } catch (error) {
    if (error instanceof ApiError && error.code === "UNAUTHENTICATED") for (const listener of listeners) listener();
    throw error;
  }
}

/** Called once the API says the session is over. */
export function onSessionEnded(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** A fresh idempotency key for one purchase the customer means to make. */
export const newKey = () => `portal-${crypto.randomUUID()}`;
