import { parse, validate, type ValidationRule } from "graphql";
import { createSchema, createYoga, type Plugin } from "graphql-yoga";
import { afterEach, describe, expect, it, vi } from "vitest";
import { documentCache } from "../../schema/plugins/document-cache";

const schema = createSchema({ typeDefs: "type Query { hello: String }", resolvers: { Query: { hello: () => "hi" } } });

/** Counts the parses and validations that reach graphql-js; a request with `x-strict: 1` adds a rule. */
function counted() {
  const calls = { parse: 0, validate: 0 };
  const strict: ValidationRule = () => ({});
  const counting: Plugin = {
    onParse: ({ setParseFn }) =>
      setParseFn((source, options) => {
        calls.parse++;
        return parse(source, options);
      }),
    onValidate: ({ setValidationFn, addValidationRule, context }) => {
      if ((context as { request: Request }).request.headers.get("x-strict") === "1") addValidationRule(strict);
      setValidationFn((...args: Parameters<typeof validate>) => {
        calls.validate++;
        return validate(...args);
      });
    },
  };
  return { calls, plugins: [counting] };
}

function server(plugins: Plugin[], cache: "ours" | "yoga") {
  return createYoga({
    schema,
    logging: false,
    ...(cache === "ours" ? { parserAndValidationCache: false, plugins: [...plugins, documentCache()] } : { plugins }),
  });
}

async function ask(yoga: ReturnType<typeof server>, query: string, headers: Record<string, string> = {}) {
  const response = await yoga.fetch("http://localhost/graphql", {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ query }),
  });
  return (await response.json()) as { data?: unknown; errors?: { message: string }[] };
}

afterEach(() => vi.restoreAllMocks());

describe("the parse and validation cache (schema/plugins/document-cache.ts)", () => {
  it("parses and validates a document once, then answers it from the cache", async () => {
    const { calls, plugins } = counted();
    const yoga = server(plugins, "ours");
    expect(await ask(yoga, "{ hello }")).toEqual({ data: { hello: "hi" } });
    expect(await ask(yoga, "{ hello }")).toEqual({ data: { hello: "hi" } });
    expect(await ask(yoga, "{ hello }")).toEqual({ data: { hello: "hi" } });
    expect(calls).toEqual({ parse: 1, validate: 1 });
    expect(await ask(yoga, "query Q { hello }")).toEqual({ data: { hello: "hi" } });
    expect(calls).toEqual({ parse: 2, validate: 2 });
  });

  it("answers a document that does not parse with the same error, parsed once", async () => {
    const { calls, plugins } = counted();
    const yoga = server(plugins, "ours");
    const first = await ask(yoga, "{ hello");
    expect(first.errors?.[0]?.message).toMatch(/^Syntax Error: Expected Name, found <EOF>/);
    expect(await ask(yoga, "{ hello")).toEqual(first);
    expect(calls).toEqual({ parse: 1, validate: 0 });
  });

  it("validates again when the request's rules differ (by name, as yoga's cache keys them)", async () => {
    const { calls, plugins } = counted();
    const yoga = server(plugins, "ours");
    await ask(yoga, "{ hello }");
    await ask(yoga, "{ hello }", { "x-strict": "1" });
    await ask(yoga, "{ hello }", { "x-strict": "1" });
    await ask(yoga, "{ hello }");
    expect(calls).toEqual({ parse: 1, validate: 2 });
  });

  it("answers an invalid document with the same errors as yoga's own cache, each time", async () => {
    const ours = server([], "ours");
    const yogas = server([], "yoga");
    for (let i = 0; i < 2; i++) expect(await ask(ours, "{ hullo }")).toEqual(await ask(yogas, "{ hullo }"));
    expect((await ask(ours, "{ hullo }")).errors?.[0]?.message).toBe(
      'Cannot query field "hullo" on type "Query". Did you mean "hello"?',
    );
  });

  it("arms no timer for a cached request (yoga's lru-cache arms a 1 ms one on every lookup)", async () => {
    const ours = server([], "ours");
    const yogas = server([], "yoga");
    await ask(ours, "{ hello }");
    await ask(yogas, "{ hello }");
    const timers = vi.spyOn(globalThis, "setTimeout");
    await ask(yogas, "{ hello }");
    expect(timers.mock.calls.length).toBeGreaterThan(0);
    timers.mockClear();
    await ask(ours, "{ hello }");
    expect(timers.mock.calls.length).toBe(0);
  });
});
