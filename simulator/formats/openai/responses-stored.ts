// The stored-response endpoints: GET /v1/responses/{id} (with `?stream=true` replaying a
// background stream's events), DELETE /v1/responses/{id}, POST /v1/responses/{id}/cancel and
// GET /v1/responses/{id}/input_items. Each reads only the caller's own responses (its tenant);
// another key's response id is a 404, as if it did not exist.

import { EVENT_STREAM_HEADERS } from "../../common/event-stream.ts";
import { jsonResponse } from "../../common/http.ts";
import { randomId } from "../../common/random.ts";
import type { SimulatorState } from "../../common/state.ts";
import { openAiErrorResponse } from "./errors.ts";
import type { ResponsesFlavor } from "./responses.ts";
import type { ResponseBody, ResponseStore, StoredResponse } from "./responses-store.ts";

type Opened =
  | { ok: true; tenant: string; id: string; url: URL }
  | { ok: false; response: Response };

/** Records the call, checks the credential, and reads the response id from the path. */
async function openStored(
  request: Request,
  state: SimulatorState,
  flavor: ResponsesFlavor,
): Promise<Opened> {
  const raw = await request.text();
  const url = new URL(request.url);
  const segments = url.pathname.split("/");
  const id = decodeURIComponent(segments[segments.lastIndexOf("responses") + 1] ?? "");
  const tenant = flavor.tenantOf(request);
  // The call log counts the call under the stored response's model, when there is one.
  const model = state.responses.get(tenant, id)?.final.model;
  state.calls.record(
    flavor.endpoint.name,
    typeof model === "string" ? model : "",
    request,
    raw,
    null,
  );
  const { endpoint } = flavor;
  const authProblem = endpoint.authenticationProblem(request);
  if (authProblem) return { ok: false, response: endpoint.errorResponse(401, authProblem) };
  const headerProblem = endpoint.headerProblem?.(request);
  if (headerProblem) return { ok: false, response: endpoint.errorResponse(400, headerProblem) };
  return { ok: true, tenant, id, url };
}

const notFound = (id: string) =>
  openAiErrorResponse(404, `Response with id '${id}' not found.`, { code: null });

const headers = () => ({ "x-request-id": randomId("req_", 32) });

/** The response as a read sees it now; each read moves a background response one step on. */
function present(store: ResponseStore, record: StoredResponse): ResponseBody {
  if (store.backgroundStatus(record) === "done") return record.final;
  record.retrievals++;
  const status = store.backgroundStatus(record);
  return status === "done" ? record.final : { ...record.running, status };
}

export function createRetrieveHandler(state: SimulatorState, flavor: ResponsesFlavor) {
  return async (request: Request): Promise<Response> => {
    const opened = await openStored(request, state, flavor);
    if (!opened.ok) return opened.response;
    const record = state.responses.get(opened.tenant, opened.id);
    if (!record) return notFound(opened.id);
    const { searchParams } = opened.url;
    if (searchParams.get("stream") !== "true")
      return jsonResponse(present(state.responses, record), 200, headers());
    if (!record.events) {
      return openAiErrorResponse(
        400,
        `Response '${record.id}' cannot be streamed: only responses created with background=true and stream=true can be.`,
        { param: "stream" },
      );
    }
    const after = Number(searchParams.get("starting_after") ?? -1);
    if (!Number.isInteger(after) || after < -1) {
      return openAiErrorResponse(400, "Invalid 'starting_after': expected a sequence number.", {
        param: "starting_after",
        code: "invalid_value",
      });
    }
    let body = "";
    for (const payload of record.events.slice(after + 1)) {
      const type = (JSON.parse(payload) as { type: string }).type;
      body += `event: ${type}\ndata: ${payload}\n\n`;
    }
    return new Response(body, { headers: { ...EVENT_STREAM_HEADERS, ...headers() } });
  };
}

export function createDeleteHandler(state: SimulatorState, flavor: ResponsesFlavor) {
  return async (request: Request): Promise<Response> => {
    const opened = await openStored(request, state, flavor);
    if (!opened.ok) return opened.response;
    if (!state.responses.delete(opened.tenant, opened.id)) return notFound(opened.id);
    return jsonResponse(
      { id: opened.id, object: "response.deleted", deleted: true },
      200,
      headers(),
    );
  };
}

export function createCancelHandler(state: SimulatorState, flavor: ResponsesFlavor) {
  return async (request: Request): Promise<Response> => {
    const opened = await openStored(request, state, flavor);
    if (!opened.ok) return opened.response;
    const record = state.responses.get(opened.tenant, opened.id);
    if (!record) return notFound(opened.id);
    if (!record.background) {
      return openAiErrorResponse(
        400,
        "Only responses created with background=true can be cancelled.",
        {
          param: null,
          code: null,
        },
      );
    }
    // Cancelling is idempotent: a finished (or already cancelled) response comes back as it is.
    if (state.responses.backgroundStatus(record) !== "done") {
      record.final = { ...record.running, status: "cancelled" };
      record.cancelled = true;
    }
    return jsonResponse(record.final, 200, headers());
  };
}

export function createInputItemsHandler(state: SimulatorState, flavor: ResponsesFlavor) {
  return async (request: Request): Promise<Response> => {
    const opened = await openStored(request, state, flavor);
    if (!opened.ok) return opened.response;
    const record = state.responses.get(opened.tenant, opened.id);
    if (!record) return notFound(opened.id);
    const { searchParams } = opened.url;
    const limit = Number(searchParams.get("limit") ?? 20);
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
      return openAiErrorResponse(
        400,
        `Invalid 'limit': expected an integer from 1 to 100, but got ${searchParams.get("limit")} instead.`,
        { param: "limit", code: "invalid_value" },
      );
    }
    const order = searchParams.get("order") ?? "desc";
    if (order !== "asc" && order !== "desc") {
      return openAiErrorResponse(
        400,
        `Invalid value: '${order}'. Supported values are: 'asc' and 'desc'.`,
        { param: "order", code: "invalid_value" },
      );
    }
    const items = order === "desc" ? [...record.inputItems].reverse() : record.inputItems;
    const after = searchParams.get("after");
    const start = after === null ? 0 : items.findIndex((item) => item.id === after) + 1;
    if (after !== null && start === 0) {
      return openAiErrorResponse(404, `Item with id '${after}' not found.`, { param: "after" });
    }
    const data = items.slice(start, start + limit);
    return jsonResponse(
      {
        object: "list",
        data,
        first_id: data[0]?.id ?? null,
        last_id: data.at(-1)?.id ?? null,
        has_more: start + limit < items.length,
      },
      200,
      headers(),
    );
  };
}
