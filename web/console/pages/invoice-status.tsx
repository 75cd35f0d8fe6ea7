import { Badge } from "../../shared/ui";

export function InvoiceStatusBadge({ status }: { status: string }) {
  return <Badge tone={status === "PAID" ? "good" : status === "OPEN" ? "warn" : "neutral"}>{status}</Badge>;
}
