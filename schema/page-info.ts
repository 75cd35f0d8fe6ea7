import { builder } from "./builder";

/** A page's end, for every connection (usage events, webhook deliveries). */
export type PageInfo = { hasNextPage: boolean; endCursor: string | null };

export const PageInfoRef = builder.objectRef<PageInfo>("PageInfo").implement({
  fields: (t) => ({
    hasNextPage: t.exposeBoolean("hasNextPage"),
    endCursor: t.string({ nullable: true, resolve: (p) => p.endCursor }),
  }),
});
