/**
 * The tie-break of the event timeline (keys.eventTimeline): when events share a record time (the
 * deployment's clock has millisecond resolution, and a test clock stands still until moved), they
 * list in the order this gives them.
 *
 * It is real time in microseconds since the epoch, taken from the process's monotonic clock and
 * made strictly increasing within the process. So within one process the timeline lists events
 * exactly in the order they were recorded; across processes (concurrent Lambdas), in real-time
 * order to within the difference between their machines' clocks (NTP-synchronised on AWS, well
 * under a millisecond to a few milliseconds). It costs no read and no write: it only orders the
 * timeline entry the event's transaction writes anyway, and adds 17 bytes to its sort key.
 */
const startMicros = BigInt(Date.now()) * 1000n;
const startHr = process.hrtime.bigint();
let last = 0n;

/** The next tick, as 16 digits (fixed width, so the timeline sorts it as text). */
export function nextRecordingOrder(): string {
  const now = startMicros + (process.hrtime.bigint() - startHr) / 1000n;
  last = now > last ? now : last + 1n;
  return last.toString().padStart(16, "0");
}
