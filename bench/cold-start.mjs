// Cold start harness: run as a fresh `node bench/cold-start.mjs <bundle.mjs> <customerId> <key>`.
// Imports the built GraphQL Lambda bundle (module scope: yoga, schema, SDK clients), then calls its
// handler with an API Gateway HTTP API (v2) event carrying one trackUsage, as Lambda would.
// Prints one JSON line: the status, whether GraphQL answered without errors, and the process-relative
// milliseconds at import done and at response (performance.now() counts from process start), and
// the process's CPU milliseconds (user + system) at both: on a loaded machine wall time measures
// the machine, CPU time still measures the code.
const [bundle, customerId, idempotencyKey] = process.argv.slice(2);
const { handler } = await import(new URL(bundle, `file://${process.cwd()}/`).href);
const imported = performance.now();
const cpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};
const importCpu = cpuMs();
const body = JSON.stringify({
  query: "mutation T($i: TrackUsageInput!) { trackUsage(input: $i) { replayed entitlement { allowed used } } }",
  variables: { i: { customerId, feature: "api_calls", idempotencyKey } },
});
const result = await handler({
  version: "2.0",
  rawPath: "/graphql",
  rawQueryString: "",
  headers: {
    host: "bench.local",
    "content-type": "application/json",
    authorization: `Bearer ${process.env.BILLING_API_KEY}`,
  },
  body,
  isBase64Encoded: false,
  requestContext: { http: { method: "POST" }, domainName: "bench.local" },
});
const parsed = JSON.parse(result.body);
console.log(
  JSON.stringify({
    status: result.statusCode,
    ok: result.statusCode === 200 && !parsed.errors,
    imported,
    responded: performance.now(),
    importCpu,
    responseCpu: cpuMs(),
    errors: parsed.errors ?? null,
  }),
);
process.exit(0);
