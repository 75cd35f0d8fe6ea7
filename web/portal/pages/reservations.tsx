/**
 * Open reservations (issue 20): what the customer's product has set aside before expensive work
 * (reserveUsage) and not yet settled or released, so "credits left" that are lower than expected
 * are explained. Read-only: holds are the backend's to settle or release; each ends by itself at
 * its expiry.
 */
import { money, quantity } from "../../shared/decimal";
import { dateTime } from "../../shared/time";
import { Table } from "../../shared/ui";

/** The fields the portal's query asks for (Customer.reservations, open ones by default). */
export const RESERVATION_FIELDS = "reservations { id feature value credits amount createdAt expiresAt }";

export type OpenReservation = {
  id: string;
  feature: string;
  value: string;
  credits: string | null;
  amount: string | null;
  createdAt: string;
  expiresAt: string;
};

/** What a hold sets aside, in the plan's terms: credits, money, or units on a plan billed later. */
const held = (r: OpenReservation, currency: string) =>
  r.credits !== null
    ? `${quantity(r.credits)} credits`
    : r.amount !== null
      ? money(r.amount, currency)
      : quantity(r.value);

export function OpenReservations({ rows, currency }: { rows: OpenReservation[]; currency: string }) {
  return (
    <>
      <p>
        Set aside for work in progress: not spent yet. What the work does not use comes back when it finishes, and every
        hold ends by itself at its expiry.
      </p>
      <Table<OpenReservation>
        caption="Open reservations, oldest first"
        rows={[...rows].sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0))}
        rowKey={(r) => r.id}
        columns={[
          { title: "Since", render: (r) => dateTime(r.createdAt), nowrap: true },
          { title: "Feature", render: (r) => r.feature },
          { title: "Held", numeric: true, render: (r) => held(r, currency) },
          { title: "Expires", render: (r) => dateTime(r.expiresAt), nowrap: true },
        ]}
      />
    </>
  );
}
