/**
 * A poller for one process (`npm start`, tests): runs `task` now, then `intervalMs` after each run
 * ends, so two runs never overlap; a run that throws is reported to `onError` and the loop goes on.
 * `stop` ends the loop and waits for a run in progress. On AWS the same tasks run from schedules
 * and streams instead.
 */
export type Repeating = { stop: () => Promise<void> };

export function repeatEvery(
  intervalMs: number,
  task: () => Promise<unknown>,
  onError: (error: unknown) => void,
): Repeating {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;
  const run = () => {
    running = task()
      .then(
        () => undefined,
        (error: unknown) => onError(error),
      )
      .finally(() => {
        running = undefined;
        if (!stopped) timer = setTimeout(run, intervalMs);
      });
  };
  run();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}

export const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));
