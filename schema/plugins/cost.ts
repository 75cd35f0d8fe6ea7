/**
 * What an operation may cost to answer, counted from the document, list-aware: a leaf field costs
 * 1 (a JSON leaf 10: it may carry kilobytes), an object field 2 plus its selections, and a field
 * with a `first` argument costs that many times (its value, the variable's value, or the
 * argument's default) a read (10) plus everything below it, since each listed item is read
 * whatever is selected of it. So six aliases of `events(first: 100)` cost six hundred events, not
 * six. Lists without `first` (a plan's features, an invoice's lines) count once: they are bounded
 * by the catalog, not by the caller. Also counted: aliased fields.
 *
 * The walk is done once per (cached) document and operation; only a document whose `first` is a
 * variable is walked again per request, with that request's variables. trackUsage never is.
 */
import {
  getNamedType,
  getOperationAST,
  isLeafType,
  Kind,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
  type SelectionSetNode,
} from "graphql";

export type OperationCost = { cost: number; aliases: number };

const LEAF = 1;
const JSON_LEAF = 10;
const OBJECT = 2;
const LISTED_ITEM = 10;
/** A `first` beyond this is refused by its field anyway; counting it higher only overflows. */
const MAX_FIRST = 10_000;

type Cached = { schema: GraphQLSchema; constant?: OperationCost };
const cache = new WeakMap<DocumentNode, Map<string | null, Cached>>();

/** The cost of the operation, or undefined when the document has no such operation. */
export function operationCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown>,
): OperationCost | undefined {
  const byName = cache.get(document);
  const cached = byName?.get(operationName ?? null);
  if (cached?.schema === schema && cached.constant) return cached.constant;
  const operation = getOperationAST(document, operationName);
  const root = operation && schema.getRootType(operation.operation);
  if (!operation || !root) return undefined; // not cached: a client's made-up names must not grow the map
  const walk = new Walk(schema, document, variables);
  const cost = walk.selections(root, operation.selectionSet);
  const result = { cost, aliases: walk.aliases };
  if (cached?.schema === schema) return result; // known to depend on variables
  const entry: Cached = { schema, ...(walk.usesVariables ? {} : { constant: result }) };
  if (byName) byName.set(operationName ?? null, entry);
  else cache.set(document, new Map([[operationName ?? null, entry]]));
  return result;
}

class Walk {
  aliases = 0;
  usesVariables = false;
  private readonly fragments = new Map<string, FragmentDefinitionNode>();
  /** Fragments being expanded, so a (invalid, but not yet rejected) cycle cannot loop. */
  private readonly expanding = new Set<string>();

  constructor(
    private readonly schema: GraphQLSchema,
    document: DocumentNode,
    private readonly variables: Record<string, unknown>,
  ) {
    for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) this.fragments.set(d.name.value, d);
  }

  selections(type: GraphQLNamedType, set: SelectionSetNode): number {
    let cost = 0;
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        cost += this.field(type, selection);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const on = selection.typeCondition ? this.typeNamed(type, selection.typeCondition.name.value) : type;
        cost += this.selections(on, selection.selectionSet);
      } else {
        const fragment = this.fragments.get(selection.name.value);
        if (!fragment || this.expanding.has(fragment.name.value)) continue;
        this.expanding.add(fragment.name.value);
        cost += this.selections(this.typeNamed(type, fragment.typeCondition.name.value), fragment.selectionSet);
        this.expanding.delete(fragment.name.value);
      }
    }
    return cost;
  }

  private field(parent: GraphQLNamedType, node: FieldNode): number {
    if (node.alias) this.aliases++;
    const def =
      "getFields" in parent ? (parent.getFields()[node.name.value] as GraphQLField<unknown, unknown>) : undefined;
    if (!def) return LEAF; // __typename, or a field validation refuses anyway
    const type = getNamedType(def.type);
    if (isLeafType(type)) return type.name === "JSON" ? JSON_LEAF : LEAF;
    const below = node.selectionSet ? this.selections(type, node.selectionSet) : 0;
    const first = this.first(def, node);
    return first === undefined ? OBJECT + below : first * (LISTED_ITEM + OBJECT + below);
  }

  /** The field's `first`, as given, from a variable, or its default; undefined for a field without one. */
  private first(def: GraphQLField<unknown, unknown>, node: FieldNode): number | undefined {
    const arg = def.args.find((a) => a.name === "first");
    if (!arg) return undefined;
    const given = node.arguments?.find((a) => a.name.value === "first")?.value;
    let value: unknown = arg.defaultValue;
    if (given?.kind === Kind.INT) value = Number(given.value);
    else if (given?.kind === Kind.VARIABLE) {
      this.usesVariables = true;
      value = this.variables[given.name.value] ?? arg.defaultValue;
    }
    return typeof value === "number" && Number.isFinite(value)
      ? Math.min(Math.max(Math.trunc(value), 1), MAX_FIRST)
      : 1;
  }

  private typeNamed(fallback: GraphQLNamedType, name: string): GraphQLNamedType {
    return this.schema.getType(name) ?? fallback;
  }
}
