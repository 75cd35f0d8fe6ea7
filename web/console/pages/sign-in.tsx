/**
 * Sign in with an ADMIN API key. The key is checked against the API (listing API keys needs
 * ADMIN) before it is kept, in session storage only; it never appears in a URL.
 */
import { useState } from "preact/hooks";
import { ApiError, gql } from "../../shared/api";
import { signIn } from "../../shared/session";
import { Button, Field, Input } from "../../shared/ui";

export function SignInPage() {
  const [key, setKey] = useState("");
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await gql("{ apiKeys { id } }", undefined, key.trim());
      signIn(key.trim());
    } catch (e) {
      const code = e instanceof ApiError ? e.code : "";
      setError(
        code === "UNAUTHENTICATED"
          ? "This key is not valid (or was revoked)."
          : code === "FORBIDDEN"
            ? "This key may not use the console: sign in with an ADMIN key."
            : e instanceof Error
              ? e.message
              : String(e),
      );
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="signin" id="content">
      <h1>Billing console</h1>
      <form class="card" onSubmit={submit} aria-label="Sign in">
        <p>
          Sign in with an <strong>ADMIN</strong> API key. It is kept in this tab only and forgotten when you sign out or
          close the tab.
        </p>
        <Field label="API key" name="apiKey" error={error}>
          {(a) => (
            <Input {...a} type="password" autoComplete="off" spellcheck={false} required value={key} onValue={setKey} />
          )}
        </Field>
        <div class="actions">
          <Button type="submit" variant="primary" busy={busy}>
            Sign in
          </Button>
        </div>
      </form>
    </main>
  );
}
