// Webhooks: the org's endpoints (URL, events, on or off), their signing secret shown once at
// creation, a test event; the deliveries (status, attempts, last answer) with replay. Operations:
// list_webhooks, list_webhook_event_types, create_webhook, update_webhook, delete_webhook,
// test_webhook, list_org_webhook_deliveries, replay_org_webhook_delivery.
import { useState } from "preact/hooks";
import { list, listAll, op } from "../api.ts";
import {
  ConfirmDialog,
  ErrorNote,
  ListTable,
  PageTitle,
  RunButton,
  Status,
  StatusBadge,
  useAction,
  useConfirm,
  useLoad,
  when,
} from "../ui.tsx";
import { Can, formFields, Pager, useCursorPages } from "./admin-kit.tsx";

interface Webhook {
  id: string;
  url: string;
  description: string | null;
  event_types: string[];
  enabled: boolean;
}
interface EventType {
  type: string;
  description: string;
}
interface Delivery {
  id: string;
  webhook_id: string;
  event_type: string;
  status: string;
  attempts: number;
  last_attempt_at: string | null;
  last_status_code: number | null;
  last_error: string | null;
  replay_of: string | null;
  created_at: string;
}

export function Webhooks() {
  const endpoints = useLoad(() => listAll<Webhook>("/webhooks"), []);
  const types = useLoad(() => listAll<EventType>("/webhook-event-types"), []);
  const [deliveriesTick, setDeliveriesTick] = useState(0);
  const refreshDeliveries = () => setDeliveriesTick((value) => value + 1);
  const action = useAction(() => {
    endpoints.reload();
    refreshDeliveries();
  });
  const [secret, setSecret] = useState<{ url: string; secret: string } | null>(null);
  const deleting = useConfirm<Webhook>(
    (endpoint) => void action.run(() => op("DELETE", `/webhooks/${endpoint.id}`)),
  );
  const create = (event: Event) => {
    const { form, get } = formFields(event);
    const chosen = [
      ...form.querySelectorAll<HTMLInputElement>("input[name=event_types]:checked"),
    ].map((input) => input.value);
    const body: Record<string, unknown> = { url: get("url"), event_types: chosen };
    if (get("description")) body.description = get("description");
    void action.run(async () => {
      const created = await op<Webhook & { signing_secret: string }>("POST", "/webhooks", { body });
      setSecret({ url: created.url, secret: created.signing_secret });
      form.reset();
    });
  };
  return (
    <section aria-labelledby="page-title">
      <PageTitle>Webhooks</PageTitle>
      <ErrorNote message={action.error} />
      <h2>Endpoints</h2>
      <Status loaded={endpoints}>
        {(items) => (
          <ListTable
            label="Endpoints"
            columns={["URL", "Events", "State", "Actions"]}
            items={items}
            empty="No endpoints yet."
            row={(endpoint) => (
              <tr key={endpoint.id}>
                <td>
                  <code>{endpoint.url}</code>
                  {endpoint.description ? <div class="meta">{endpoint.description}</div> : null}
                </td>
                <td>{endpoint.event_types.join(", ")}</td>
                <td>
                  <StatusBadge value={endpoint.enabled ? "active" : "paused"} />
                </td>
                <td>
                  <div class="buttons">
                    <Can needs="developer">
                      <RunButton
                        action={action}
                        operation={() => op("POST", `/webhooks/${endpoint.id}/test`)}
                      >
                        Send a test event to {endpoint.url}
                      </RunButton>
                    </Can>
                    <Can needs="admin">
                      <RunButton
                        action={action}
                        operation={() =>
                          op("PATCH", `/webhooks/${endpoint.id}`, {
                            body: { enabled: !endpoint.enabled },
                          })
                        }
                      >
                        {endpoint.enabled ? "Pause" : "Resume"} {endpoint.url}
                      </RunButton>
                      <button type="button" class="danger" onClick={() => deleting.ask(endpoint)}>
                        Delete {endpoint.url}
                      </button>
                    </Can>
                  </div>
                </td>
              </tr>
            )}
          />
        )}
      </Status>
      {secret ? (
        <div class="secret" role="status">
          <p>
            Signing secret of <strong>{secret.url}</strong>: copy it now; it is shown this once.
          </p>
          <p>
            <code data-testid="signing-secret">{secret.secret}</code>{" "}
            <button type="button" onClick={() => setSecret(null)}>
              Done
            </button>
          </p>
        </div>
      ) : null}
      <Can needs="admin">
        <form class="stack" onSubmit={create} aria-label="Add an endpoint">
          <h3>Add an endpoint</h3>
          <label>
            URL
            <input name="url" type="url" required placeholder="https://example.com/modelux" />
          </label>
          <label>
            Description (optional)
            <input name="description" />
          </label>
          <fieldset>
            <legend>Events</legend>
            <Status loaded={types}>
              {(items) => (
                <>
                  {items.map((type) => (
                    <label key={type.type} class="inline" title={type.description}>
                      <input type="checkbox" name="event_types" value={type.type} /> {type.type}
                    </label>
                  ))}
                </>
              )}
            </Status>
          </fieldset>
          <button type="submit" class="primary" disabled={action.busy}>
            Add endpoint
          </button>
        </form>
      </Can>
      <Deliveries endpoints={endpoints.data ?? []} tick={deliveriesTick} run={action.run} />
      <ConfirmDialog
        {...deleting.dialog}
        title={`Delete ${deleting.pending?.url ?? ""}?`}
        confirmLabel="Delete"
      >
        <p>No more events are sent to this URL; its deliveries are deleted with it.</p>
      </ConfirmDialog>
    </section>
  );
}

function Deliveries({
  endpoints,
  tick,
  run,
}: {
  endpoints: Webhook[];
  tick: number;
  run(action: () => Promise<unknown>): Promise<boolean>;
}) {
  const [endpointId, setEndpointId] = useState("");
  const [status, setStatus] = useState("");
  const pages = useCursorPages();
  const deliveries = useLoad(
    () =>
      list<Delivery>("/webhooks/deliveries", {
        endpoint_id: endpointId || undefined,
        status: status || undefined,
        limit: 25,
        cursor: pages.cursor,
      }),
    [endpointId, status, pages.cursor, tick],
  );
  const urlOf = (id: string) => endpoints.find((endpoint) => endpoint.id === id)?.url ?? id;
  return (
    <section aria-labelledby="deliveries-title">
      <h2 id="deliveries-title">Deliveries</h2>
      <form class="filters" onSubmit={(event) => event.preventDefault()}>
        <label>
          Endpoint
          <select
            value={endpointId}
            onChange={(event) => {
              setEndpointId((event.target as HTMLSelectElement).value);
              pages.restart();
            }}
          >
            <option value="">all</option>
            {endpoints.map((endpoint) => (
              <option key={endpoint.id} value={endpoint.id}>
                {endpoint.url}
              </option>
            ))}
          </select>
        </label>
        <label>
          Status
          <select
            value={status}
            onChange={(event) => {
              setStatus((event.target as HTMLSelectElement).value);
              pages.restart();
            }}
          >
            <option value="">any</option>
            <option value="pending">pending</option>
            <option value="delivered">delivered</option>
            <option value="failed">failed</option>
          </select>
        </label>
      </form>
      <Status loaded={deliveries}>
        {(page) => (
          <ListTable
            label="Deliveries"
            columns={[
              "Created",
              "Endpoint",
              "Event",
              "Status",
              { label: "Attempts", class: "num" },
              "Last answer",
              "",
            ]}
            items={page.data}
            empty="No deliveries."
            row={(delivery) => (
              <tr key={delivery.id}>
                <td>{when(delivery.created_at)}</td>
                <td>
                  <code>{urlOf(delivery.webhook_id)}</code>
                </td>
                <td>
                  {delivery.event_type}
                  {delivery.replay_of ? (
                    <div class="meta">replay of {delivery.replay_of}</div>
                  ) : null}
                </td>
                <td>
                  <StatusBadge value={delivery.status} />
                </td>
                <td class="num">{delivery.attempts}</td>
                <td>
                  {delivery.last_status_code ?? ""} {delivery.last_error ?? ""}{" "}
                  {delivery.last_attempt_at ? `(${when(delivery.last_attempt_at)})` : ""}
                </td>
                <td>
                  <Can needs="admin">
                    <button
                      type="button"
                      onClick={() =>
                        run(() => op("POST", `/webhooks/deliveries/${delivery.id}/replay`))
                      }
                      aria-label={`Replay ${delivery.event_type} delivery ${delivery.id}`}
                    >
                      Replay
                    </button>
                  </Can>
                </td>
              </tr>
            )}
            after={<Pager pages={pages} next={page.next_cursor} />}
          />
        )}
      </Status>
    </section>
  );
}
