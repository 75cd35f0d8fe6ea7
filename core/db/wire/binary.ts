/**
 * Binary attribute values on the wire: base64 strings in JSON, Uint8Arrays in the SDK's shapes
 * (which the document marshaller reads and writes). Nothing this product stores is binary, so
 * both directions first check cheaply whether there is anything to convert.
 */

/** A parsed response with its `B` / `BS` values decoded, as the SDK's deserializer gives them. */
export function fromWire(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(fromWire);
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if (key === "B" && typeof v === "string") out[key] = new Uint8Array(Buffer.from(v, "base64"));
    else if (key === "BS" && Array.isArray(v))
      out[key] = v.map((b) => new Uint8Array(Buffer.from(String(b), "base64")));
    else out[key] = fromWire(v);
  }
  return out;
}

/** Whether a response text may hold a binary value (then it is worth walking with fromWire). */
export function mayHoldBinary(text: string): boolean {
  // One pass for both: every '"B' (BOOL's too), then what follows it.
  for (let i = text.indexOf('"B'); i !== -1; i = text.indexOf('"B', i + 2)) {
    const next = text.charCodeAt(i + 2);
    if (next === 34 /* " */ && text.charCodeAt(i + 3) === 58 /* : */) return true;
    if (next === 83 /* S */ && text.charCodeAt(i + 3) === 34 && text.charCodeAt(i + 4) === 58) return true;
  }
  return false;
}

/**
 * JSON.stringify that writes Uint8Arrays (and Buffers) as base64, as the wire wants them. Plain
 * JSON first: only when it shows a binary value (written as an object of bytes under "B", or a list
 * of them under "BS") is it written again with the replacer, which costs a call per member.
 */
export function toWireJson(value: unknown): string {
  const plain = JSON.stringify(value);
  if (!plain.includes('"B":{') && !plain.includes('"BS":[{')) return plain;
  return JSON.stringify(value, function (this: Record<string, unknown>, key, v: unknown) {
    const raw = this[key];
    return raw instanceof Uint8Array ? Buffer.from(raw).toString("base64") : v;
  });
}
