/**
 * Recording fakes of SST's platform globals ($config, $app, $interpolate, sst.*, aws.*), so
 * sst.config.ts and stacks/* can be evaluated offline. Every `new sst.aws.X(name, args)` or
 * `new aws.ns.Y(name, args)` is recorded with its kind, name and args; any property of a
 * component (`table.name`, `queue.nodes.queue.name`) is a Ref naming the component and path,
 * and calling one (`api.route(...)`) records the call on the component.
 */
import { vi } from "vitest";

export class Ref {
  constructor(
    readonly component: string,
    readonly path: string,
  ) {}
  toString() {
    return `\${${this.component}.${this.path}}`;
  }
}

export type Recorded = {
  kind: string;
  name: string;
  args: Record<string, any>;
  calls: { method: string; args: unknown[] }[];
};

export type Evaluation = {
  stage: string;
  app: { name: string; home: string; removal?: string; protect?: boolean };
  outputs: Record<string, unknown>;
  components: Recorded[];
};

const REF = Symbol("ref");
const RECORD = Symbol("record");

/** The Ref behind a component property, or undefined for anything else. */
export function refOf(value: unknown): Ref | undefined {
  return typeof value === "function" ? (value as any)[REF] : undefined;
}

/** The recorded component behind a component instance (e.g. an entry of `link`). */
export function recordOf(value: unknown): Recorded | undefined {
  return value && typeof value === "object" ? (value as any)[RECORD] : undefined;
}

function property(record: Recorded, path: string): unknown {
  const ref = new Ref(record.name, path);
  return new Proxy(() => {}, {
    get(_target, prop) {
      if (prop === REF) return ref;
      if (prop === Symbol.toPrimitive || prop === "toString") return () => ref.toString();
      if (typeof prop === "symbol" || prop === "then") return undefined;
      return property(record, `${path}.${prop}`);
    },
    apply(_target, _this, args) {
      record.calls.push({ method: path, args });
    },
  });
}

function componentClass(kind: string, components: Recorded[]) {
  return class {
    constructor(name: string, args: Record<string, any> = {}) {
      const record: Recorded = { kind, name, args, calls: [] };
      components.push(record);
      // A recorded fake answers every property, as SST's components do.
      // biome-ignore lint/correctness/noConstructorReturn: the Proxy is the component
      return new Proxy(this, {
        get(_target, prop) {
          if (prop === RECORD) return record;
          if (typeof prop === "symbol" || prop === "then") return undefined;
          return property(record, prop);
        },
      });
    }
  };
}

/** `sst.aws`, `aws.cloudwatch`, ...: capitalised members are component classes, others namespaces. */
function namespace(path: string, components: Recorded[]): any {
  return new Proxy(
    {},
    {
      get(_target, prop) {
        if (typeof prop === "symbol") return undefined;
        const kind = `${path}.${prop}`;
        return /^[A-Z]/.test(prop) ? componentClass(kind, components) : namespace(kind, components);
      },
    },
  );
}

/** Evaluates sst.config.ts for one stage, the way `sst deploy --stage <stage>` would. */
export async function evaluateConfig(stage: string): Promise<Evaluation> {
  const components: Recorded[] = [];
  const globals = globalThis as any;
  globals.$config = (config: unknown) => config;
  globals.$interpolate = (literals: TemplateStringsArray, ...values: unknown[]) => String.raw(literals, ...values);
  globals.sst = namespace("sst", components);
  globals.aws = namespace("aws", components);
  vi.resetModules();
  try {
    const { default: config } = await import("../../sst.config");
    const app = (config as any).app({ stage });
    globals.$app = { name: app.name, stage, removal: app.removal, protect: app.protect };
    const outputs = await (config as any).run();
    return { stage, app, outputs, components };
  } finally {
    for (const name of ["$config", "$interpolate", "$app", "sst", "aws"]) delete globals[name];
  }
}
