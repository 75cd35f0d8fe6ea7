/**
 * The root fields an operation selects (through inline fragments and fragment spreads too), with
 * their definitions and coerced argument values: what input-bounds and audit inspect.
 *
 * The walk of the document is done once per (cached) document and operation; only the arguments
 * are coerced per request, once for all the plugins that ask (rootFieldsOf).
 */
import {
  getArgumentValues,
  getOperationAST,
  Kind,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLInputField,
  type GraphQLInputObjectType,
  type GraphQLSchema,
  type OperationTypeNode,
  type SelectionSetNode,
} from "graphql";

export type RootField = {
  responseKey: string;
  name: string;
  def: GraphQLField<unknown, unknown>;
  args: Record<string, unknown> | undefined;
};
export type RootSelection = { operation: OperationTypeNode; fields: RootField[] };

type Shape = {
  schema: GraphQLSchema;
  operation: OperationTypeNode;
  fields: { node: FieldNode; responseKey: string; def: GraphQLField<unknown, unknown> }[];
};

/** Per document (yoga's parser cache hands out the same object for the same query text), per operation name. */
const shapes = new WeakMap<DocumentNode, Map<string | null, Shape>>();

function shapeOf(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
): Shape | undefined {
  const byName = shapes.get(document);
  const cached = byName?.get(operationName ?? null);
  if (cached?.schema === schema) return cached;
  const operation = getOperationAST(document, operationName);
  if (!operation) return undefined; // not cached: a client's made-up names must not grow the map
  const root = schema.getRootType(operation.operation);
  if (!root) return undefined;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const nodes: FieldNode[] = [];
  const seen = new Set<string>();
  const collect = (set: SelectionSetNode) => {
    for (const s of set.selections) {
      if (s.kind === Kind.FIELD) nodes.push(s);
      else if (s.kind === Kind.INLINE_FRAGMENT) collect(s.selectionSet);
      else if (!seen.has(s.name.value)) {
        seen.add(s.name.value);
        const fragment = fragments.get(s.name.value);
        if (fragment) collect(fragment.selectionSet);
      }
    }
  };
  collect(operation.selectionSet);
  const fields: Shape["fields"] = [];
  for (const node of nodes) {
    const def = root.getFields()[node.name.value];
    if (def) fields.push({ node, responseKey: node.alias?.value ?? node.name.value, def });
  }
  const shape: Shape = { schema, operation: operation.operation, fields };
  if (byName) byName.set(operationName ?? null, shape);
  else shapes.set(document, new Map([[operationName ?? null, shape]]));
  return shape;
}

function rootFields(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown>,
): RootSelection | undefined {
  const shape = shapeOf(schema, document, operationName);
  if (!shape) return undefined;
  const fields: RootField[] = [];
  for (const { node, responseKey, def } of shape.fields) {
    let args: Record<string, unknown> | undefined;
    try {
      args = getArgumentValues(def, node, variables);
    } catch {
      args = undefined; // invalid arguments: execution reports them
    }
    fields.push({ responseKey, name: def.name, def, args });
  }
  return { operation: shape.operation, fields };
}

type ExecutionArgsLike = {
  schema: GraphQLSchema;
  document: DocumentNode;
  operationName?: string | null;
  variableValues?: unknown;
};

const perExecution = new WeakMap<ExecutionArgsLike, RootSelection | undefined>();

/** rootFields of one execution (envelop hands every onExecute the same args object), computed once. */
export function rootFieldsOf(args: ExecutionArgsLike): RootSelection | undefined {
  if (perExecution.has(args)) return perExecution.get(args);
  const selection = rootFields(
    args.schema,
    args.document,
    args.operationName,
    (args.variableValues ?? {}) as Record<string, unknown>,
  );
  perExecution.set(args, selection);
  return selection;
}

const inputFieldLists = new WeakMap<GraphQLInputObjectType, [string, GraphQLInputField][]>();

/** An input object type's fields as [name, field] pairs, listed once per type (for per-request walks). */
export function inputFields(type: GraphQLInputObjectType): [string, GraphQLInputField][] {
  let fields = inputFieldLists.get(type);
  if (!fields) {
    fields = Object.entries(type.getFields());
    inputFieldLists.set(type, fields);
  }
  return fields;
}
