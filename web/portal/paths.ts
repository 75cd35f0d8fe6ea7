/** The portal's URLs, under /portal. */
export const BASE = "/portal";

export const paths = {
  home: () => BASE,
  invoice: (id: string) => `${BASE}/invoices/${encodeURIComponent(id)}`,
};
