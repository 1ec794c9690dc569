// Anthropic's Message Batches API: POST /v1/messages/batches, GET (list), GET /{id}, POST
// /{id}/cancel, DELETE /{id}, GET /{id}/results (JSONL), per tenant. A batch is in_progress
// until retrieved past the simulator's batch pace, then ended, each request answered by the
// simulator's own Messages endpoint (succeeded, or errored with its error); cancel → canceling →
// ended with the requests canceled; POST /_sim/batches/{id}/expire → ended with them expired.
import * as v from "valibot";
import { type BatchClock, countPoll } from "../../common/batch-pace.ts";
import { jsonResponse, parseJsonObject } from "../../common/http.ts";
import { randomId } from "../../common/random.ts";
import type { SimulatorState } from "../../common/state.ts";
import { describeIssue } from "../../common/validation.ts";
import type { FormatRoute } from "../wire-format.ts";
import { anthropicErrorResponse, anthropicInvalidRequest } from "./errors.ts";
import { anthropicCaller, anthropicPage, segmentAfter } from "./files-api.ts";
import { createMessagesHandler } from "./messages.ts";

const createSchema = v.strictObject({
  requests: v.pipe(
    v.array(
      v.strictObject({
        custom_id: v.pipe(v.string(), v.regex(/^[a-zA-Z0-9_-]{1,64}$/, "invalid custom_id")),
        params: v.record(v.string(), v.unknown()),
      }),
    ),
    v.minLength(1, "at least one request is required"),
    v.maxLength(100_000, "at most 100,000 requests"),
  ),
});

type Request_ = v.InferOutput<typeof createSchema>["requests"][number];

export interface AnthropicBatch {
  id: string;
  tenant: string;
  key: string;
  requests: Request_[];
  status: "in_progress" | "canceling" | "ended";
  clock: BatchClock;
  createdAt: number;
  endedAt: number | null;
  cancelInitiatedAt: number | null;
  /** One JSON line per request once ended. */
  results: string[] | null;
  counts: {
    processing: number;
    succeeded: number;
    errored: number;
    canceled: number;
    expired: number;
  };
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function anthropicBatchObject(batch: AnthropicBatch, origin: string) {
  return {
    id: batch.id,
    type: "message_batch",
    processing_status: batch.status,
    request_counts: batch.counts,
    ended_at: iso(batch.endedAt),
    created_at: iso(batch.createdAt),
    expires_at: iso(batch.createdAt + 86_400_000),
    archived_at: null,
    cancel_initiated_at: iso(batch.cancelInitiatedAt),
    results_url:
      batch.status === "ended" ? `${origin}/v1/messages/batches/${batch.id}/results` : null,
  };
}

const notFound = (id: string) => anthropicErrorResponse(404, `Message batch not found: ${id}`);

export function anthropicBatchesRoutes(state: SimulatorState): FormatRoute[] {
  const open = (request: Request, raw = "") => {
    state.calls.record("anthropic", "", request, raw, null);
    return anthropicCaller(request);
  };
  const answer = (batch: AnthropicBatch, request: Request) =>
    jsonResponse(anthropicBatchObject(batch, new URL(request.url).origin));
  const item = "/v1/messages/batches/:id";
  const find = (request: Request) => {
    const caller = open(request);
    if ("refusal" in caller) return { response: caller.refusal };
    const id = segmentAfter(request, "batches");
    const batch = state.anthropicBatches.get(caller.tenant, id);
    return batch ? { batch, tenant: caller.tenant } : { response: notFound(id) };
  };
  return [
    {
      method: "POST",
      path: "/v1/messages/batches",
      replayable: false,
      async handle(request) {
        const raw = await request.text();
        const caller = open(request, raw);
        if ("refusal" in caller) return caller.refusal;
        const body = parseJsonObject(raw);
        if (!body.ok) return anthropicErrorResponse(400, `invalid JSON body: ${body.reason}`);
        const parsed = v.safeParse(createSchema, body.value);
        if (!parsed.success) return anthropicInvalidRequest(describeIssue(parsed.issues));
        const ids = new Set(parsed.output.requests.map((entry) => entry.custom_id));
        if (ids.size !== parsed.output.requests.length)
          return anthropicErrorResponse(400, "requests: custom_id values must be unique");
        const batch: AnthropicBatch = {
          id: randomId("msgbatch_01", 22),
          tenant: caller.tenant,
          key: caller.key,
          requests: parsed.output.requests,
          status: "in_progress",
          clock: { step: 0, polls: 0, expire: false },
          createdAt: Date.now(),
          endedAt: null,
          cancelInitiatedAt: null,
          results: null,
          counts: {
            processing: parsed.output.requests.length,
            succeeded: 0,
            errored: 0,
            canceled: 0,
            expired: 0,
          },
        };
        state.anthropicBatches.set(caller.tenant, batch);
        return answer(batch, request);
      },
    },
    {
      method: "GET",
      path: "/v1/messages/batches",
      handle(request) {
        const caller = open(request);
        if ("refusal" in caller) return caller.refusal;
        const origin = new URL(request.url).origin;
        const page = anthropicPage(
          state.anthropicBatches.list(caller.tenant),
          new URL(request.url),
        );
        return jsonResponse({
          ...page,
          data: page.data.map((batch) => anthropicBatchObject(batch, origin)),
        });
      },
    },
    {
      method: "GET",
      path: item,
      async handle(request) {
        const found = find(request);
        if (!found.batch) return found.response;
        await advance(state, found.batch);
        return answer(found.batch, request);
      },
    },
    {
      method: "POST",
      path: `${item}/cancel`,
      replayable: false,
      handle(request) {
        const found = find(request);
        if (!found.batch) return found.response;
        const { batch } = found;
        if (batch.status === "in_progress") {
          batch.status = "canceling";
          batch.cancelInitiatedAt = Date.now();
          batch.clock.polls = 0;
        }
        return answer(batch, request);
      },
    },
    {
      method: "DELETE",
      path: item,
      handle(request) {
        const found = find(request);
        if (!found.batch) return found.response;
        if (found.batch.status !== "ended")
          return anthropicErrorResponse(
            400,
            "Message batches can only be deleted once they have finished processing; cancel it first.",
          );
        state.anthropicBatches.delete(found.tenant, found.batch.id);
        return jsonResponse({ id: found.batch.id, type: "message_batch_deleted" });
      },
    },
    {
      method: "GET",
      path: `${item}/results`,
      handle(request) {
        const found = find(request);
        if (!found.batch) return found.response;
        if (found.batch.results === null)
          return anthropicErrorResponse(404, `Message batch ${found.batch.id} has not ended yet.`);
        return new Response(`${found.batch.results.join("\n")}\n`, {
          headers: { "content-type": "application/x-jsonl" },
        });
      },
    },
  ];
}

async function advance(state: SimulatorState, batch: AnthropicBatch): Promise<void> {
  if (batch.status === "ended" || !countPoll(batch.clock, state.batchPace)) return;
  if (batch.clock.expire)
    return end(
      batch,
      batch.requests.map((entry) => resultLine(entry.custom_id, { type: "expired" })),
      "expired",
    );
  if (batch.status === "canceling")
    return end(
      batch,
      batch.requests.map((entry) => resultLine(entry.custom_id, { type: "canceled" })),
      "canceled",
    );
  const handle = createMessagesHandler(state);
  const lines: string[] = [];
  for (const entry of batch.requests) {
    const response = await handle(
      new Request("http://simulator/v1/messages", {
        method: "POST",
        headers: {
          "x-api-key": batch.key,
          "anthropic-version": "2023-06-01",
          "content-type": "application/json",
        },
        body: JSON.stringify(entry.params),
      }),
    );
    const body = (await response.json()) as Record<string, unknown>;
    // Batches answer whole messages: a streaming request is an error, as at Anthropic.
    const result =
      entry.params.stream === true
        ? {
            type: "errored",
            error: {
              type: "error",
              error: {
                type: "invalid_request_error",
                message: "stream: streaming is not supported in batches",
              },
            },
          }
        : response.ok
          ? { type: "succeeded", message: body }
          : { type: "errored", error: body };
    lines.push(resultLine(entry.custom_id, result));
  }
  end(batch, lines, null);
}

function end(batch: AnthropicBatch, lines: string[], all: "expired" | "canceled" | null): void {
  batch.status = "ended";
  batch.endedAt = Date.now();
  batch.results = lines;
  const counts = { processing: 0, succeeded: 0, errored: 0, canceled: 0, expired: 0 };
  for (const line of lines) {
    const type = (JSON.parse(line) as { result: { type: keyof typeof counts } }).result.type;
    counts[type] += 1;
  }
  if (all) counts[all] = lines.length;
  batch.counts = counts;
}

function resultLine(customId: string, result: Record<string, unknown>): string {
  return JSON.stringify({ custom_id: customId, result });
}
