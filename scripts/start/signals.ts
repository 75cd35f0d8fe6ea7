/**
 * Ctrl-C / SIGTERM stop a local server. One Ctrl-C often arrives twice: the terminal signals the
 * whole process group (npm and this process) and npm relays its own copy. A second signal
 * within a second is the same stop; a later one (the user pressing Ctrl-C again because stopping
 * hangs) exits at once.
 */

/** Signals closer together than this are one request to stop. */
const SAME_STOP_MS = 1_000;

export function stopOnSignals(stop: () => Promise<void>): void {
  let stoppingSince: number | undefined;
  const shutdown = (signal: NodeJS.Signals) => {
    if (stoppingSince !== undefined) {
      if (Date.now() - stoppingSince < SAME_STOP_MS) return;
      console.log(`${signal} again: exiting now`);
      process.exit(1);
    }
    stoppingSince = Date.now();
    console.log(`\n${signal}: stopping the API, the sweeper and DynamoDB Local...`);
    stop().then(
      () => {
        console.log("stopped.");
        process.exit(0);
      },
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", shutdown);
  process.on("SIGTERM", shutdown);
}
