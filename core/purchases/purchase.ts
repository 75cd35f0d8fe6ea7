/**
 * A purchase: a credit pack or a balance top-up, recorded under its idempotency key (what a retry
 * is compared with) in the transaction that adds it to the wallet.
 */
export type PurchaseKind = "CREDIT_PACK" | "TOP_UP";

export type Purchase = {
  kind: PurchaseKind;
  customerId: string;
  idempotencyKey: string;
  packCode?: string;
  credits: bigint;
  amount: bigint;
  price: bigint;
  currency: string;
  createdAt: string;
};
