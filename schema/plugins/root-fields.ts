/**
 * The root fields an operation selects (through inline fragments and fragment spreads too), with
 * their definitions and coerced argument values: what input-bounds and audit inspect.
 */
import {
  getArgumentValues,
  getOperationAST,
  Kind,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLSchema,
  type OperationTypeNode,
  type SelectionSetNode,
} from "graphql";

export type RootField = { responseKey: string; name: string; def: GraphQLField<unknown, unknown>; args: Record<string, unknown> | undefined };
export type RootSelection = { operation: OperationTypeNode; fields: RootField[] };

export function rootFields(schema: GraphQLSchema, document: DocumentNode, operationName: string | null | undefined, variables: Record<string, unknown>): RootSelection | undefined {
  const operation = getOperationAST(document, operationName);
  if (!operation) return undefined;
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
  const fields: RootField[] = [];
  for (const node of nodes) {
    const def = root.getFields()[node.name.value];
    if (!def) continue;
    let args: Record<string, unknown> | undefined;
    try {
      args = getArgumentValues(def, node, variables);
    } catch {
      args = undefined; // invalid arguments: execution reports them
    }
    fields.push({ responseKey: node.alias?.value ?? node.name.value, name: node.name.value, def, args });
  }
  return { operation: operation.operation, fields };
}
