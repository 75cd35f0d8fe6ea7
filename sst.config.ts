/**
 * SST v4 app. `app()` decides what a stage keeps when removed; `run()` is a table of contents:
 * each stacks/* module declares its resources when imported (SST evaluates this file in its own
 * runtime, so stacks are imported inside run(), not at the top).
 */
export default $config({
  app(input) {
    const production = input?.stage === "production";
    return {
      name: "ai-billing",
      home: "aws",
      // Production keeps its table (and everything else) on `sst remove` and refuses accidental
      // deletes; any other stage is disposable.
      removal: production ? "retain" : "remove",
      protect: production,
    };
  },
  async run() {
    const { table } = await import("./stacks/table");
    const { bus } = await import("./stacks/bus");
    await import("./stacks/secrets");
    const { api } = await import("./stacks/api");
    await import("./stacks/web");
    await import("./stacks/schedules");
    await import("./stacks/webhooks");
    await import("./stacks/alarms");
    await import("./stacks/rollups");
    return {
      graphql: $interpolate`${api.url}/graphql`,
      console: $interpolate`${api.url}/console`,
      table: table.name,
      bus: bus.name,
    };
  },
});
