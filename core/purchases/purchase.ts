/**
 * A purchase: a credit pack or a balance top-up, recorded under its idempotency key (what a retry
 * is compared with) in the transaction that adds it to the wallet, or, for a purchase granted on
 * payment, that issues its invoice (the record then names the invoice).
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
  /**
   * Asked for by the customer (requestCreditPackPurchase, requestTopUp): granted when its invoice
   * is paid, not when recorded. A key used for one kind of purchase is not a replay of the other.
   */
  grantOnPayment?: boolean;
};
