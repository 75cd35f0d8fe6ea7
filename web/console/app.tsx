/**
 * The console's frame: the sign-in page until an ADMIN key is in the session, then the navigation
 * and the page the URL names. Every page loads its own data through the API.
 */
import type { ComponentChildren } from "preact";
import { useEffect, useState } from "preact/hooks";
import { matchRoute, useLocation } from "../shared/router";
import { currentKey, onSessionChange, signOut } from "../shared/session";
import { Button, Link } from "../shared/ui";
import { AiCostsPage } from "./pages/ai-costs";
import { ApiKeysPage } from "./pages/api-keys";
import { CustomerPage } from "./pages/customer";
import { CustomersPage } from "./pages/customers";
import { InvoicePage } from "./pages/invoice";
import { InvoicesPage } from "./pages/invoices";
import { NewPlanPage } from "./pages/new-plan";
import { OverviewPage } from "./pages/overview";
import { PlansPage } from "./pages/plans";
import { SignInPage } from "./pages/sign-in";
import { BASE, paths } from "./paths";

const NAV: [label: string, href: string][] = [
  ["Overview", paths.overview()],
  ["Customers", paths.customers()],
  ["Invoices", paths.invoices()],
  ["Plans and features", paths.plans()],
  ["AI costs", paths.aiCosts()],
  ["API keys", paths.apiKeys()],
];

export function App() {
  const [signedIn, setSignedIn] = useState(() => currentKey() !== null);
  useEffect(() => onSessionChange(() => setSignedIn(currentKey() !== null)), []);
  const { path } = useLocation();
  if (!signedIn) return <SignInPage />;
  const page = matchRoute<ComponentChildren>(path, [
    [BASE, () => <OverviewPage />],
    [`${BASE}/customers`, () => <CustomersPage />],
    [`${BASE}/customers/:id`, ({ id }) => <CustomerPage id={id!} />],
    [`${BASE}/invoices`, () => <InvoicesPage />],
    [`${BASE}/invoices/:id`, ({ id }) => <InvoicePage id={id!} />],
    [`${BASE}/plans`, () => <PlansPage />],
    [`${BASE}/plans/new`, () => <NewPlanPage />],
    [`${BASE}/api-keys`, () => <ApiKeysPage />],
    [`${BASE}/ai-costs`, () => <AiCostsPage />],
  ]) ?? <NotFound />;
  return (
    <div class="shell">
      <a class="skip-link" href="#content">
        Skip to content
      </a>
      <nav class="sidebar" aria-label="Console">
        <p class="brand">Billing console</p>
        <ul>
          {NAV.map(([label, href]) => (
            <li key={href}>
              <Link
                href={href}
                current={
                  href === BASE ? path === BASE || path === `${BASE}/` : path === href || path.startsWith(`${href}/`)
                }
              >
                {label}
              </Link>
            </li>
          ))}
        </ul>
        <div class="signout">
          <Button onClick={() => signOut()}>Sign out</Button>
        </div>
      </nav>
      <main id="content" tabIndex={-1}>
        {page}
      </main>
    </div>
  );
}

function NotFound() {
  return (
    <>
      <h1>Page not found</h1>
      <p>
        <Link href={paths.customers()}>Back to the customers</Link>
      </p>
    </>
  );
}
