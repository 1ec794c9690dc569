// Providers: the org's vendor credentials (never shown, only their last characters), the last
// credential check, health; add one, verify it, rotate its credential, delete it; and health from
// the fleet's traffic per provider and model, with the circuit breakers' state across the data
// planes. Operations: list_providers, create_provider, verify_provider, get_provider_health,
// rotate_provider_credential, delete_provider, list_provider_health.
import { useState } from "preact/hooks";
import { listAll, op } from "../api.ts";
import {
  ConfirmDialog,
  ErrorNote,
  ListTable,
  ms,
  num,
  PageTitle,
  pct,
  RunButton,
  Status,
  StatusBadge,
  useAction,
  useConfirm,
  useLoad,
  when,
} from "../ui.tsx";
import { Can, formFields } from "./admin-kit.tsx";

interface Verification {
  checked_at: string;
  ok: boolean;
  skipped?: boolean;
  status_code: number | null;
  latency_ms: number;
  error: string | null;
}
interface Provider {
  id: string;
  name: string;
  vendor: string;
  base_url: string | null;
  credential_hint: string;
  verification: string;
  verified_at: string | null;
  last_verification: Verification | null;
}
interface Health {
  status: string;
  verified_at: string | null;
  note: string;
  /** The fleet's circuit breakers for this provider now; null while no data plane reports. */
  dataplane: {
    reporting_nodes: number;
    circuits: Array<{
      model: string;
      state: "open" | "half_open";
      nodes: { open: number; half_open: number; reporting: number };
    }>;
  } | null;
}
interface TrafficHealth {
  provider: string;
  model: string;
  requests: number;
  errors: number;
  success_rate: number;
  p50_latency_ms: number | null;
  p95_latency_ms: number | null;
  status: string;
  circuit_state: "closed" | "half_open" | "open" | null;
  circuit_nodes: { open: number; half_open: number; reporting: number } | null;
}

/** Vendors offered in the form; the API's 400 names the list if another is typed. */
const VENDORS = [
  "openai",
  "anthropic",
  "azure",
  "google",
  "bedrock",
  "cohere",
  "groq",
  "fireworks",
  "deepseek",
  "xai",
  "mistral",
  "cerebras",
  "together",
  "perplexity",
  "openai-compatible",
];

export function Providers() {
  const providers = useLoad(() => listAll<Provider>("/providers"), []);
  const action = useAction(providers.reload);
  const [health, setHealth] = useState<Record<string, Health>>({});
  const [rotating, setRotating] = useState<string | null>(null);
  const deleting = useConfirm<Provider>(
    (provider) => void action.run(() => op("DELETE", `/providers/${provider.id}`)),
  );
  const create = (event: Event) => {
    const { form, get } = formFields(event);
    const body: Record<string, unknown> = {
      vendor: get("vendor"),
      name: get("name"),
      api_key: get("api_key"),
      verify: (form.elements.namedItem("verify") as HTMLInputElement).checked,
    };
    if (get("base_url")) body.base_url = get("base_url");
    void action.run(async () => {
      await op("POST", "/providers", { body });
      form.reset();
    });
  };
  const rotate = (provider: Provider) => (event: Event) => {
    const { get } = formFields(event);
    void action.run(async () => {
      await op("POST", `/providers/${provider.id}/rotate-credential`, {
        body: { api_key: get("api_key") },
      });
      setRotating(null);
    });
  };
  const checkHealth = (provider: Provider) =>
    action.run(async () => {
      const data = await op<Health>("GET", `/providers/${provider.id}/health`);
      setHealth((previous) => ({ ...previous, [provider.id]: data }));
    });
  return (
    <section aria-labelledby="page-title">
      <PageTitle>Providers</PageTitle>
      <ErrorNote message={action.error} />
      <Status loaded={providers}>
        {(items) => (
          <ListTable
            label="Providers"
            columns={[
              "Name",
              "Vendor",
              "Endpoint",
              "Credential",
              "Last check",
              "Health",
              "Actions",
            ]}
            items={items}
            empty="No providers yet."
            row={(provider) => (
              <tr key={provider.id}>
                <td>{provider.name}</td>
                <td>{provider.vendor}</td>
                <td>
                  <code>{provider.base_url ?? "vendor default"}</code>
                </td>
                <td>
                  <code>{provider.credential_hint}</code>
                </td>
                <td>
                  <StatusBadge value={provider.verification} />{" "}
                  {provider.last_verification ? (
                    <VerificationNote check={provider.last_verification} />
                  ) : null}
                </td>
                <td>
                  {health[provider.id] ? (
                    <>
                      <span title={health[provider.id]?.note}>
                        <StatusBadge value={health[provider.id]?.status ?? "unknown"} />
                      </span>{" "}
                      <FleetCircuits health={health[provider.id] as Health} />
                    </>
                  ) : (
                    <button type="button" onClick={() => checkHealth(provider)}>
                      Health of {provider.name}
                    </button>
                  )}
                </td>
                <td>
                  <div class="buttons">
                    <Can needs="developer">
                      <RunButton
                        action={action}
                        operation={() => op("POST", `/providers/${provider.id}/verify`)}
                      >
                        Verify {provider.name}
                      </RunButton>
                    </Can>
                    <Can needs="admin">
                      <button
                        type="button"
                        aria-expanded={rotating === provider.id}
                        onClick={() => setRotating(rotating === provider.id ? null : provider.id)}
                      >
                        Rotate {provider.name}
                      </button>
                      <button type="button" class="danger" onClick={() => deleting.ask(provider)}>
                        Delete {provider.name}
                      </button>
                    </Can>
                  </div>
                  {rotating === provider.id ? (
                    <form
                      class="filters"
                      onSubmit={rotate(provider)}
                      aria-label={`Rotate ${provider.name}`}
                    >
                      <label>
                        New credential
                        <input name="api_key" type="password" autoComplete="off" required />
                      </label>
                      <button type="submit" class="primary">
                        Rotate
                      </button>
                    </form>
                  ) : null}
                </td>
              </tr>
            )}
          />
        )}
      </Status>
      <TrafficHealthTable />
      <Can needs="admin">
        <h2>Add a provider</h2>
        <form class="filters" onSubmit={create} aria-label="Add a provider">
          <label>
            Vendor
            <input name="vendor" list="vendors" required />
            <datalist id="vendors">
              {VENDORS.map((vendor) => (
                <option key={vendor} value={vendor} />
              ))}
            </datalist>
          </label>
          <label>
            Name (slug)
            <input name="name" required />
          </label>
          <label>
            Credential
            <input name="api_key" type="password" autoComplete="off" required />
          </label>
          <label>
            Base URL (optional)
            <input name="base_url" type="url" placeholder="https://…/v1" />
          </label>
          <label class="inline">
            <input name="verify" type="checkbox" defaultChecked />
            Check the credential now
          </label>
          <button type="submit" class="primary" disabled={action.busy}>
            Add provider
          </button>
        </form>
      </Can>
      <ConfirmDialog
        {...deleting.dialog}
        title={`Delete ${deleting.pending?.name ?? ""}?`}
        confirmLabel="Delete"
      >
        <p>Configs naming this provider can no longer route to it.</p>
      </ConfirmDialog>
    </section>
  );
}

function VerificationNote({ check }: { check: Verification }) {
  const parts = [when(check.checked_at)];
  if (!check.skipped) parts.push(ms(check.latency_ms));
  if (check.status_code !== null) parts.push(`HTTP ${check.status_code}`);
  return (
    <span class="meta">
      {parts.join(", ")}
      {check.error ? `: ${check.error}` : ""}
    </span>
  );
}

/** Health from the last hour of the fleet's traffic, and each circuit breaker across the fleet. */
function TrafficHealthTable() {
  const health = useLoad(
    () => op<{ start: string; end: string; data: TrafficHealth[] }>("GET", "/provider-health"),
    [],
  );
  return (
    <section aria-labelledby="traffic-health-title">
      <h2 id="traffic-health-title">Health from traffic (last hour)</h2>
      <p class="meta">
        Success rate and latency from every data plane's requests; the circuit breaker as the data
        planes report it now (open on any one of them counts as open).{" "}
        <button type="button" onClick={health.reload}>
          Refresh health
        </button>
      </p>
      <Status loaded={health}>
        {(report) => (
          <ListTable
            label="Health from traffic"
            columns={[
              "Provider",
              "Model",
              { label: "Requests", class: "num" },
              { label: "Success", class: "num" },
              { label: "p50 / p95", class: "num" },
              "Status",
              "Circuit",
            ]}
            items={report.data}
            empty="No requests in the last hour."
            row={(row) => (
              <tr key={`${row.provider}/${row.model}`}>
                <td>{row.provider}</td>
                <td>{row.model}</td>
                <td class="num">{num(row.requests)}</td>
                <td class="num">{pct(row.success_rate)}</td>
                <td class="num">
                  {ms(row.p50_latency_ms)} / {ms(row.p95_latency_ms)}
                </td>
                <td>
                  <StatusBadge value={row.status} />
                </td>
                <td>
                  <CircuitCell row={row} />
                </td>
              </tr>
            )}
          />
        )}
      </Status>
    </section>
  );
}

/** The provider's circuit breakers across the data planes, as get_provider_health gives them. */
function FleetCircuits({ health }: { health: Health }) {
  const fleet = health.dataplane;
  if (fleet === null) return <span class="meta">no data plane reporting</span>;
  if (fleet.circuits.length === 0)
    return <span class="meta">circuits closed on {fleet.reporting_nodes} data planes</span>;
  return (
    <ul class="meta" aria-label="Open circuits">
      {fleet.circuits.map((circuit) => (
        <li key={circuit.model}>
          {circuit.model}: <StatusBadge value={circuit.state.replace("_", "-")} /> on{" "}
          {circuit.nodes.open + circuit.nodes.half_open} of {circuit.nodes.reporting} data planes
        </li>
      ))}
    </ul>
  );
}

function CircuitCell({ row }: { row: TrafficHealth }) {
  if (row.circuit_state === null || row.circuit_nodes === null) {
    return <span class="meta">no data plane reporting</span>;
  }
  const { open, half_open, reporting } = row.circuit_nodes;
  const detail =
    row.circuit_state === "closed"
      ? `closed on ${reporting} of ${reporting} data planes`
      : `open on ${open}, half-open on ${half_open} of ${reporting} data planes`;
  return (
    <span>
      <StatusBadge value={row.circuit_state.replace("_", "-")} /> <span class="meta">{detail}</span>
    </span>
  );
}
