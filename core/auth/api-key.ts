/** A secret API key as it is listed (its secret is shown once and stored only as its hash: ./api-keys.ts). */
export const ApiKeyScope = { ADMIN: "ADMIN", INGEST: "INGEST" } as const;
export type ApiKeyScope = (typeof ApiKeyScope)[keyof typeof ApiKeyScope];

export type ApiKey = {
  id: string;
  name: string;
  scope: ApiKeyScope;
  prefix: string;
  createdAt: string;
  revokedAt?: string;
};
