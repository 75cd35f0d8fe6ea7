/**
 * The other spellings of a model ID that providers and gateways send (pure). `resolveModel` tries
 * the ID as sent first, then these, in order:
 *
 * - gateway prefixes stripped: `openrouter/anthropic/claude-sonnet-4.5` -> `anthropic/claude-sonnet-4.5`,
 *   `azure/gpt-4o` -> `gpt-4o`, `vertex_ai/gemini-2.5-pro` and Google's `models/gemini-2.5-pro` ->
 *   `gemini-2.5-pro`, LiteLLM's provider names mapped to the catalog's (`gemini/` -> `google/`,
 *   `bedrock/` -> `amazon-bedrock/`, `together_ai/` -> `togetherai/`, `fireworks_ai/` ->
 *   `fireworks-ai/`), repeatedly (`litellm_proxy/openrouter/openai/gpt-4o`);
 * - a Bedrock ARN (`arn:aws:bedrock:<region>:<account>:inference-profile/us.anthropic...`) -> its
 *   model ID under `amazon-bedrock/`, and a cross-region profile's ID without its region
 *   (`apac.anthropic.claude-...` -> `anthropic.claude-...`);
 * - Vertex's date spelling `claude-sonnet-4-5@20250929` -> `claude-sonnet-4-5-20250929`.
 *
 * `undated` gives a dated snapshot's base (`gpt-4o-mini-2024-07-18` -> `gpt-4o-mini`), tried only
 * after every spelling found nothing, so a dated entry the catalog lists always wins.
 */

/** Gateway and SDK prefixes: stripped (`""`) or mapped to the catalog's provider ID. */
const GATEWAY_PREFIXES: Record<string, string> = {
  openrouter: "",
  vercel: "",
  litellm: "",
  litellm_proxy: "",
  azure: "",
  azure_ai: "",
  vertex_ai: "",
  vertex_ai_beta: "",
  models: "",
  converse: "",
  gemini: "google",
  bedrock: "amazon-bedrock",
  together_ai: "togetherai",
  fireworks_ai: "fireworks-ai",
};

const BEDROCK_ARN = /^arn:aws[a-z-]*:bedrock:[a-z0-9-]*:\d*:[a-z-]+\/(.+)$/;
const BEDROCK_REGION_PROFILE = /^(?:us|us-gov|eu|apac|au|jp|ca|global)\.(?=[a-z]+\.)/;

/** The spellings to try after the one sent, most specific first, without duplicates. */
export function spellingsOf(requested: string): string[] {
  const out: string[] = [];
  const add = (spelling: string) => {
    if (spelling && spelling !== requested && !out.includes(spelling)) out.push(spelling);
  };
  let current = requested;
  const arn = BEDROCK_ARN.exec(current);
  if (arn) {
    add(`amazon-bedrock/${arn[1]}`);
    current = arn[1]!;
    add(current);
  }
  for (let depth = 0; depth < 4; depth++) {
    const slash = current.indexOf("/");
    if (slash < 0) break;
    const mapped = GATEWAY_PREFIXES[current.slice(0, slash).toLowerCase()];
    if (mapped === undefined) break;
    const rest = current.slice(slash + 1);
    if (mapped) add(`${mapped}/${rest}`);
    add(rest);
    current = rest;
  }
  for (const spelling of [requested, ...out]) {
    const model = spelling.slice(spelling.lastIndexOf("/") + 1);
    const prefix = spelling.slice(0, spelling.length - model.length);
    if (BEDROCK_REGION_PROFILE.test(model)) add(prefix + model.replace(BEDROCK_REGION_PROFILE, ""));
    const vertexDate = /@(\d{8})$/.exec(model);
    if (vertexDate) add(`${prefix}${model.slice(0, -9)}-${vertexDate[1]}`);
  }
  return out;
}

/** A dated snapshot's undated base, or undefined: `-2024-07-18`, `-20241022` or `-0613` at the end. */
export function undated(spelling: string): string | undefined {
  const iso = /^(.+)-(\d{4})-(\d{2})-(\d{2})$/.exec(spelling);
  if (iso && validDate(iso[3]!, iso[4]!)) return iso[1];
  const compact = /^(.+)-(\d{4})(\d{2})(\d{2})$/.exec(spelling);
  if (compact && compact[2]!.startsWith("20") && validDate(compact[3]!, compact[4]!)) return compact[1];
  const monthDay = /^(.+)-(\d{2})(\d{2})$/.exec(spelling);
  if (monthDay && validDate(monthDay[2]!, monthDay[3]!)) return monthDay[1];
  return undefined;
}

function validDate(month: string, day: string): boolean {
  const m = Number(month);
  const d = Number(day);
  return m >= 1 && m <= 12 && d >= 1 && d <= 31;
}
