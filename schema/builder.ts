/** The one Pothos builder. Scalars carry exact bigints and Dates; every resolver gets `deps`. */
import SchemaBuilder from "@pothos/core";
import type { Deps } from "../core/deps";

export type Context = { deps: Deps };

export const builder = new SchemaBuilder<{
  Context: Context;
  DefaultFieldNullability: false;
  Scalars: {
    ID: { Input: string; Output: string };
    Money: { Input: bigint; Output: bigint };
    Decimal: { Input: bigint; Output: bigint };
    DateTime: { Input: Date; Output: Date | string };
    JSON: { Input: unknown; Output: unknown };
  };
}>({ defaultFieldNullability: false });

builder.queryType({});
builder.mutationType({});
