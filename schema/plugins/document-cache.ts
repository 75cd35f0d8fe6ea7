/**
 * Yoga's parse and validation cache (its `useParserAndValidationCache`, which schema/yoga.ts turns
 * off), with the same keys, the same order among the plugins and the same answers, without its
 * per-request overhead:
 *
 * - yoga's caches are lru-cache instances with a one-hour TTL, and a TTL lookup reads the clock and
 *   arms a 1 ms timer (lru-cache's `ttlResolution`) on every request: a `Timeout` created, inserted
 *   in a timer list and fired, the event loop woken for it. Parsing and validating a document gives
 *   the same result every time, so entries here never expire; they are dropped least recently used
 *   first beyond 1,024 (yoga's `max`), as there.
 * - yoga keys validation results by the rules' names joined (`rules.map((r) => r.name).join(",")`),
 *   computed per request; here it is computed only when the rules differ from the last request's
 *   (by identity, or else by name: graphql-armor's depth rule is a new closure per request).
 *
 * It must be the last of the plugins schema/yoga.ts passes: yoga places its own cache after every
 * plugin given to it, so that the other plugins' `onParse` (the token limit's parser) and
 * `onValidate` (rules they add) have run when the cache answers.
 */
import type { DocumentNode, GraphQLSchema } from "graphql";
import type { Plugin } from "graphql-yoga";

const MAX = 1024;

/** A Map that drops its least recently used key beyond `max` entries. */
class Lru<V> {
  private readonly map = new Map<string, V>();
  constructor(private readonly max: number) {}
  get(key: string): V | undefined {
    const value = this.map.get(key);
    if (value === undefined) return undefined;
    // Most recently used last (a Map iterates in insertion order).
    this.map.delete(key);
    this.map.set(key, value);
    return value;
  }
  set(key: string, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    if (this.map.size > this.max) this.map.delete(this.map.keys().next().value!);
  }
}

type Rule = { readonly name: string };
type Results = readonly Error[];

export function documentCache(): Plugin {
  const documents = new Lru<DocumentNode>(MAX);
  const parseErrors = new Lru<unknown>(MAX);
  const validations = new Lru<WeakMap<GraphQLSchema, WeakMap<DocumentNode, Results>>>(MAX);
  let lastRules: readonly Rule[] = [];
  let lastNames: string[] = [];
  let lastKey = "";
  /** yoga's key: the rules' names joined with commas, or "" without rules. */
  const rulesKey = (rules: readonly Rule[] | undefined): string => {
    if (!rules) return "";
    let same = rules.length === lastRules.length;
    for (let i = 0; same && i < rules.length; i++) {
      const rule = rules[i]!;
      if (rule !== lastRules[i] && rule.name !== lastNames[i]) same = false;
    }
    if (!same) {
      lastNames = rules.map((rule) => rule.name);
      lastKey = lastNames.join(",");
    }
    lastRules = rules;
    return lastKey;
  };
  return {
    onParse({ params, setParsedDocument }) {
      const source = params.source.toString();
      const document = documents.get(source);
      if (document) {
        setParsedDocument(document);
        return;
      }
      const parseError = parseErrors.get(source);
      if (parseError) throw parseError;
      return ({ result }) => {
        if (result == null) return;
        if (result instanceof Error) parseErrors.set(source, result);
        else documents.set(source, result as DocumentNode);
      };
    },
    onValidate({ params: { schema, documentAST, rules }, setResult }) {
      if (schema == null) return;
      const key = rulesKey(rules as readonly Rule[] | undefined);
      let bySchema = validations.get(key);
      if (!bySchema) {
        bySchema = new WeakMap();
        validations.set(key, bySchema);
      }
      let byDocument = bySchema.get(schema);
      if (!byDocument) {
        byDocument = new WeakMap();
        bySchema.set(schema, byDocument);
      }
      const cached = byDocument.get(documentAST);
      if (cached) {
        setResult(cached);
        return;
      }
      const store = byDocument;
      return ({ result }) => {
        if (result != null) store.set(documentAST, result);
      };
    },
  };
}
