/**
 * GraphQL over fetch to this origin's /graphql, with the session's key as a bearer token. A
 * GraphQL error becomes an ApiError carrying the API's stable code; `fieldErrors` maps the
 * API's messages, which name the input path (`input.features[0].marginBps must be at least 0`),
 * to the form fields they are about.
 */
import { currentKey, signOut } from "./session";

export const ENDPOINT = "/graphql";

export type ApiErrorItem = { message: string; extensions?: { code?: string } };

export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly errors: ApiErrorItem[] = [],
  ) {
    super(message);
    this.name = "ApiError";
  }
}

export async function gql<T>(query: string, variables?: Record<string, unknown>, key = currentKey()): Promise<T> {
  let response: Response;
  try {
    response = await fetch(ENDPOINT, {
      method: "POST",
      headers: { "content-type": "application/json", ...(key ? { authorization: `Bearer ${key}` } : {}) },
      body: JSON.stringify({ query, variables }),
      credentials: "omit",
      cache: "no-store",
    });
  } catch {
    throw new ApiError("NETWORK", "The billing API could not be reached.");
  }
  const body = (await response.json().catch(() => ({}))) as { data?: T; errors?: ApiErrorItem[] };
  const first = body.errors?.[0];
  if (first) {
    const code = first.extensions?.code ?? "INTERNAL_SERVER_ERROR";
    // A key revoked or rotated while signed in: back to the sign-in page.
    if (code === "UNAUTHENTICATED" && key === currentKey()) signOut();
    throw new ApiError(code, first.message, body.errors);
  }
  if (!response.ok || body.data === undefined) throw new ApiError(`HTTP_${response.status}`, response.statusText);
  return body.data;
}

/**
 * Field path (relative to the variable, e.g. `features[0].marginBps`) -> the message, for the
 * errors of a request whose input was passed as `$<variable>`. Messages about no field are under "".
 */
export function fieldErrors(error: unknown, variable = "input"): Record<string, string> {
  if (!(error instanceof ApiError)) return { "": error instanceof Error ? error.message : String(error) };
  const fields: Record<string, string> = {};
  for (const item of error.errors.length ? error.errors : [{ message: error.message }]) {
    const [path, message] = pathOf(item.message, variable);
    fields[path] ??= message;
  }
  return fields;
}

function pathOf(message: string, variable: string): [string, string] {
  // graphql-js coercion: Variable "$input" got invalid value "x" at "input.a[0].b"; <reason>
  const coercion = new RegExp(
    `^Variable "\\$${variable}" got invalid value .* at "${variable}\\.([^"]+)"; (.*)$`,
    "s",
  ).exec(message);
  if (coercion) return [coercion[1]!, coercion[2]!];
  // ... and about a whole variable: Variable "$amount" got invalid value "x"; <reason>
  const whole = /^Variable "\$\w+" got invalid value .*?; ([^;]*)$/s.exec(message);
  if (whole) return ["", whole[1]!];
  // core's validation: input.a[0].b must be ...
  const domain = new RegExp(`^${variable}\\.([\\w.\\[\\]]+) (.*)$`, "s").exec(message);
  if (domain) return [domain[1]!, domain[2]!];
  return ["", message];
}

/**
 * For a request whose inputs are plain arguments (`grantCredits(credits: $credits, ...)`): the
 * message of each error under the argument it names, from graphql-js coercion (`Variable
 * "$credits" got invalid value ...; <reason>`) or from core's validation (`credits must be greater
 * than zero`); the rest under "". The form's variables are named as the arguments.
 */
export function argumentErrors(error: unknown, names: readonly string[]): Record<string, string> {
  if (!(error instanceof ApiError)) return { "": error instanceof Error ? error.message : String(error) };
  const fields: Record<string, string> = {};
  for (const item of error.errors.length ? error.errors : [{ message: error.message }]) {
    const coercion = /^Variable "\$(\w+)" got invalid value .*?; ([^;]*)$/s.exec(item.message);
    const named = names.find((name) => item.message.startsWith(`${name} `));
    const [field, message] =
      coercion && names.includes(coercion[1]!)
        ? [coercion[1]!, coercion[2]!]
        : named
          ? [named, item.message.slice(named.length + 1)]
          : ["", item.message];
    fields[field] ??= message;
  }
  return fields;
}
