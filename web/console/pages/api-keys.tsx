/**
 * API keys: every key (revoked ones too), a new key whose secret is shown once (the API stores
 * only its hash), and revoking. The key this console is signed in with can be revoked too: the
 * next request then signs the operator out.
 */
import { useState } from "preact/hooks";
import { fieldErrors, gql } from "../../shared/api";
import { dateTime } from "../../shared/time";
import { useQuery } from "../../shared/use-query";
import { Badge, Button, Field, Input, Loading, Notice, Section, Select, Table } from "../../shared/ui";

type ApiKey = { id: string; name: string; scope: string; prefix: string; createdAt: string; revokedAt: string | null };

export function ApiKeysPage() {
  const { data, error, loading, reload } = useQuery<{ apiKeys: ApiKey[] }>(
    `{ apiKeys { id name scope prefix createdAt revokedAt } }`,
  );
  return (
    <>
      <h1>API keys</h1>
      <CreateKey onDone={reload} />
      <Section title="Keys">
        {error && <Notice kind="error">{error.message}</Notice>}
        {loading && !data && <Loading />}
        {data && (
          <Table
            caption="API keys"
            rowKey={(k) => k.id}
            rows={[...data.apiKeys].sort((a, b) => b.createdAt.localeCompare(a.createdAt))}
            empty="No keys created here yet (the deployment's bootstrap key is not listed)."
            columns={[
              { title: "Name", render: (k) => k.name },
              { title: "Scope", render: (k) => k.scope },
              { title: "Prefix", render: (k) => <code>{k.prefix}…</code> },
              { title: "Created", render: (k) => dateTime(k.createdAt) },
              {
                title: "Status",
                render: (k) =>
                  k.revokedAt ? (
                    <Badge tone="neutral">revoked {dateTime(k.revokedAt)}</Badge>
                  ) : (
                    <Badge tone="good">active</Badge>
                  ),
              },
              { title: "", render: (k) => !k.revokedAt && <RevokeButton apiKey={k} onDone={reload} /> },
            ]}
          />
        )}
      </Section>
    </>
  );
}

function CreateKey({ onDone }: { onDone: () => void }) {
  const [name, setName] = useState("");
  const [scope, setScope] = useState("INGEST");
  const [secret, setSecret] = useState<string>();
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  return (
    <Section title="Create a key">
      {secret && (
        <Notice kind="success">
          <p>
            <strong>Copy this secret now: it is shown only once.</strong>
          </p>
          <code class="secret" data-testid="new-secret">
            {secret}
          </code>
        </Notice>
      )}
      <form
        aria-label="Create a key"
        noValidate
        onSubmit={async (e) => {
          e.preventDefault();
          setBusy(true);
          setErrors({});
          setSecret(undefined);
          try {
            const { createApiKey } = await gql<{ createApiKey: { secret: string } }>(
              `mutation($name: String!, $scope: ApiKeyScope!) { createApiKey(name: $name, scope: $scope) { secret } }`,
              { name: name.trim(), scope },
            );
            setSecret(createApiKey.secret);
            setName("");
            onDone();
          } catch (error) {
            setErrors(fieldErrors(error, "name"));
          } finally {
            setBusy(false);
          }
        }}
      >
        <div class="inline-form">
          <Field label="Name" name="keyName" error={errors[""]} hint="What uses it, e.g. backend-prod">
            {(a) => <Input {...a} value={name} onValue={setName} />}
          </Field>
          <Field label="Scope" name="keyScope" hint="INGEST: tracking and checks only">
            {(a) => (
              <Select
                {...a}
                value={scope}
                onValue={setScope}
                options={[
                  { value: "INGEST", label: "INGEST" },
                  { value: "ADMIN", label: "ADMIN" },
                ]}
              />
            )}
          </Field>
          <Button type="submit" variant="primary" busy={busy}>
            Create key
          </Button>
        </div>
      </form>
    </Section>
  );
}

function RevokeButton({ apiKey, onDone }: { apiKey: ApiKey; onDone: () => void }) {
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<string>();
  return (
    <>
      <Button
        variant="danger"
        aria-label={`${confirming ? "Confirm revoking" : "Revoke"} ${apiKey.name}`}
        onClick={async () => {
          if (!confirming) return setConfirming(true);
          try {
            await gql(`mutation($id: ID!) { revokeApiKey(id: $id) { id } }`, { id: apiKey.id });
            onDone();
          } catch (e) {
            setError(e instanceof Error ? e.message : String(e));
          }
          setConfirming(false);
        }}
      >
        {confirming ? "Confirm revoke" : "Revoke"}
      </Button>
      {error && <p class="error">{error}</p>}
    </>
  );
}
