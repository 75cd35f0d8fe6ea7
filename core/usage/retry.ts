/** The bounded, jittered retry of a write that lost a race (a condition or transaction conflict). */
export const MAX_ATTEMPTS = 8;

export function backoff(attempt: number): Promise<void> {
  if (attempt === 0) return Promise.resolve();
  const ceiling = Math.min(200, 5 * 2 ** attempt);
  return new Promise((resolve) => setTimeout(resolve, Math.random() * ceiling));
}
