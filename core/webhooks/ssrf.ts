/**
 * Where webhooks may go (server-side request forgery): the deployment sends requests to URLs its
 * API callers chose, from inside the operator's network, so it refuses every address that is not
 * a public unicast one: private (10/8, 172.16/12, 192.168/16, fc00::/7 with AWS's fd00:ec2::254),
 * loopback, link-local (169.254/16 with the instance metadata service 169.254.169.254, fe80::/10),
 * carrier-grade NAT, multicast, documentation, benchmarking and reserved ranges, and IPv6 forms
 * that embed an IPv4 address (mapped ones are judged by that address; NAT64, 6to4 and Teredo
 * are refused whole).
 *
 * URLs are checked when an endpoint is created or changed (scheme, credentials, literal
 * addresses, `localhost`), and every attempt checks the addresses its host resolves to, then
 * connects to the checked address itself (core/webhooks/transport.ts), so a DNS answer that
 * changes between the check and the connection cannot slip a private address in.
 *
 * The scheme rules are every URL's (core/urls.ts): https in production, plain http to the loopback
 * names in test mode; test mode also allows loopback addresses, so a developer's local receiver works.
 */
import { BlockList, isIP } from "node:net";
import type { ClockMode } from "../clock";
import { parseUrl, schemeProblem } from "../urls";

const refused = new BlockList();
const loopback = new BlockList();
for (const [network, prefix] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.0.2.0", 24],
  ["192.88.99.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["198.51.100.0", 24],
  ["203.0.113.0", 24],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4],
] as const)
  refused.addSubnet(network, prefix, "ipv4");
for (const [network, prefix] of [
  ["::", 96],
  ["64:ff9b::", 96],
  ["64:ff9b:1::", 48],
  ["100::", 64],
  ["2001::", 32],
  ["2001:db8::", 32],
  ["2002::", 16],
  ["fc00::", 7],
  ["fe80::", 10],
  ["fec0::", 10],
  ["ff00::", 8],
] as const)
  refused.addSubnet(network, prefix, "ipv6");
loopback.addSubnet("127.0.0.0", 8, "ipv4");
loopback.addAddress("::1", "ipv6");

/** Why a connection to `address` (an IP) is refused, or undefined when it is allowed. */
export function addressProblem(address: string, mode: ClockMode): string | undefined {
  const family = isIP(address);
  if (family === 0) return "is not an IP address";
  const mapped = family === 6 ? mappedIpv4(address) : undefined;
  if (mapped) return addressProblem(mapped, mode);
  const type = family === 4 ? "ipv4" : "ipv6";
  if (loopback.check(address, type)) return mode === "test" ? undefined : "is a loopback address";
  if (refused.check(address, type)) return "is a private, link-local or reserved address";
  return undefined;
}

/** The IPv4 address inside an IPv4-mapped IPv6 one (::ffff:a.b.c.d, in any spelling). */
function mappedIpv4(address: string): string | undefined {
  // The URL parser writes every IPv6 spelling the one canonical way: ::ffff:7f00:1.
  const canonical = new URL(`http://[${address}]/`).hostname;
  const match = /^\[::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})\]$/.exec(canonical);
  if (!match) return undefined;
  const [high, low] = [Number.parseInt(match[1]!, 16), Number.parseInt(match[2]!, 16)];
  return [high >> 8, high & 255, low >> 8, low & 255].join(".");
}

/** The URL an endpoint may be given, normalised, or what is wrong with it (in plain words). */
export function checkEndpointUrl(text: string, mode: ClockMode): { url: string } | { problem: string } {
  const parsed = parseUrl(text, "https://example.com/webhooks");
  if ("problem" in parsed) return parsed;
  const problem = urlProblem(parsed.url, mode);
  return problem ? { problem } : { url: parsed.url.href };
}

/** What is wrong with sending to this URL before any DNS lookup, if anything. */
export function urlProblem(url: URL, mode: ClockMode): string | undefined {
  const scheme = schemeProblem(url, mode);
  if (scheme) return scheme;
  const host = url.hostname.replace(/^\[|\]$/g, "");
  if (isIP(host)) {
    const problem = addressProblem(host, mode);
    return problem ? `must not point at ${host}, which ${problem}` : undefined;
  }
  if ((host === "localhost" || host.endsWith(".localhost")) && mode !== "test") return "must not point at localhost";
  if (!host.includes(".") && host !== "localhost") return "must name a public host (a domain with a dot)";
  return undefined;
}
