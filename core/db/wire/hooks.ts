/**
 * Middleware around the wire transport's calls, in the AWS SDK's own shape and at the SDK's steps,
 * so what tests, the reliability simulation's fault injector and the bench's request counter add to
 * the SDK client (core/db/client.ts mirrors it here) sees and shapes these calls the same way:
 *
 * - `initialize`: once per call, the document-form input (plain values) and output;
 * - `build`: once per call, the marshalled input (AttributeValues) and the raw output; what a
 *   middleware changes in the input here is not sent (as in the SDK, the body is already written);
 * - `finalizeRequest`: once per attempt, inside the retries.
 *
 * Other steps (serialize, deserialize) belong to the SDK's own protocol code and are not mirrored.
 */

/** A request's or answer's members: plain or AttributeValue maps, as loosely typed as the SDK's middleware sees them. */
// biome-ignore lint/suspicious/noExplicitAny: the one untyped shape of this folder, as in the SDK's middleware
export type Doc = Record<string, any>;
export type HookArgs = { input: Doc };
export type HookResult = { output: Doc; response?: unknown };
export type HookHandler = (args: HookArgs) => Promise<HookResult>;
export type HookContext = { commandName: string; clientName: string; [key: string]: unknown };
export type Hook = (next: HookHandler, context: HookContext) => HookHandler;
export type HookStep = "initialize" | "build" | "finalizeRequest";
export type HookOptions = { step?: string; name?: string; priority?: string; override?: boolean };

type Entry = { hook: Hook; step: HookStep; name?: string; rank: number; order: number };

const STEPS = new Set<string>(["initialize", "build", "finalizeRequest"]);
const RANK: Record<string, number> = { high: 0, normal: 1, low: 2 };

export class Hooks {
  private entries: Entry[] = [];
  private added = 0;

  add(hook: Hook, options: HookOptions = {}): void {
    const step = options.step ?? "initialize";
    if (!STEPS.has(step)) return;
    if (options.name) this.remove(options.name);
    this.entries.push({
      hook,
      step: step as HookStep,
      ...(options.name ? { name: options.name } : {}),
      rank: RANK[options.priority ?? "normal"] ?? 1,
      order: this.added++,
    });
    // Within a step, higher priority first and then the order of adding: the SDK's order.
    this.entries.sort((a, b) => a.rank - b.rank || a.order - b.order);
  }

  remove(toRemove: string | Hook): boolean {
    const before = this.entries.length;
    this.entries = this.entries.filter((e) => e.name !== toRemove && e.hook !== toRemove);
    return this.entries.length !== before;
  }

  /** `last` wrapped in the step's hooks, first added outermost; `last` itself when there are none. */
  wrap(step: HookStep, context: HookContext, last: HookHandler): HookHandler {
    let handler = last;
    for (let i = this.entries.length - 1; i >= 0; i--) {
      const entry = this.entries[i]!;
      if (entry.step === step) handler = entry.hook(handler, context);
    }
    return handler;
  }
}
