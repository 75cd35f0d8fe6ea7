/**
 * Dates kept whole on the page: a date's hyphens are places a browser may break a line, so
 * "2026-02-01 – 2026-03-01" could end one line with "2026-02-" and start the next with "01 –".
 * Each date is a `nowrap` span; a range breaks only at its dash. The text is unchanged.
 */
import { date } from "./time";

/** "2026-02-01 – 2026-03-01", breaking only around the dash. */
export function DateRange({ from, to }: { from: string | null | undefined; to: string | null | undefined }) {
  return (
    <>
      <span class="nowrap">{date(from)}</span> – <span class="nowrap">{date(to)}</span>
    </>
  );
}

/** Text as the API wrote it (a line's "Basic (2026-02-01 to 2026-03-01)"), each date in it kept whole. */
export function WholeDates({ text }: { text: string }) {
  // A split on a capture group keeps the dates: they are the odd parts.
  const parts = text.split(/(\d{4}-\d{2}-\d{2})/);
  return (
    <>
      {parts.map((part, i) =>
        i % 2 ? (
          <span key={i} class="nowrap">
            {part}
          </span>
        ) : (
          part
        ),
      )}
    </>
  );
}
