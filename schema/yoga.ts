/**
 * The HTTP face of the API: graphql-yoga over the schema, with bearer-key authentication and
 * error masking. The same instance serves the local server and the Lambda function.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { createYoga, type Plugin } from "graphql-yoga";
import type { Deps } from "../core/deps";
import type { Context } from "./builder";
import { maskError } from "./errors";
import { schema } from "./index";

export type YogaOptions = { deps: Deps; apiKey: string; graphiql?: boolean | { defaultHeaders?: string } };

export function createBillingYoga(options: YogaOptions) {
  return createYoga<Record<string, unknown>, Context>({
    schema,
    graphqlEndpoint: "/graphql",
    landingPage: false,
    logging: false, // expected errors are answers; unexpected ones are logged by maskError
    graphiql: options.graphiql ? { headers: typeof options.graphiql === "object" ? options.graphiql.defaultHeaders : undefined } : false,
    maskedErrors: { maskError: (error) => maskError(error) },
    context: () => ({ deps: options.deps }),
    plugins: [bearerAuth(options.apiKey, Boolean(options.graphiql))],
  });
}

const digest = (value: string) => createHash("sha256").update(value).digest();

/**
 * Every GraphQL request needs `Authorization: Bearer <key>`; the GraphiQL page itself does not.
 * Only when GraphiQL is enabled: yoga then answers every GET that accepts text/html with the page
 * and runs nothing. With GraphiQL off, such a GET (a browser's Accept) would execute its `query`.
 */
function bearerAuth(apiKey: string, graphiql: boolean): Plugin {
  const expected = digest(apiKey);
  return {
    onRequest({ request, endResponse }) {
      const isGraphiqlPage = graphiql && request.method === "GET" && (request.headers.get("accept") ?? "").includes("text/html");
      if (isGraphiqlPage) return;
      const header = request.headers.get("authorization") ?? "";
      const match = /^Bearer (.+)$/i.exec(header.trim());
      if (match && timingSafeEqual(digest(match[1]!), expected)) return;
      const message = match ? "the API key is not valid" : "missing Authorization: Bearer <API key> header";
      endResponse(
        new Response(JSON.stringify({ errors: [{ message, extensions: { code: "UNAUTHENTICATED" } }] }), {
          status: 401,
          headers: { "content-type": "application/json", "www-authenticate": "Bearer" },
        }),
      );
    },
  };
}
