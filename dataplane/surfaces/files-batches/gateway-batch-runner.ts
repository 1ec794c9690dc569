// The surfaces' runner of gateway batches over a GatewayBatchService (the control plane's store and
// worker): a create stored with its spend cap and completion window (its lines handed over a
// chunk at a time as they are read), a delete of an ended Anthropic batch, and each batch rendered as
// the surface's own object (OpenAI's Batch, Anthropic's Message Batch) with its counts; results as
// JSONL (Anthropic's `/results`, OpenAI's output and error files `file_mlx_<batch>_output|_errors`).
import { GatewayError } from "#shared/errors/gateway-error.ts";
import { quoteClientValue } from "#shared/validation/client-text.ts";
import type { CallContext } from "./call-context.ts";
import {
  createGatewayBatchFrom,
  type GatewayBatchService,
  type GatewayBatchState,
} from "./gateway-batch-service.ts";
import {
  GATEWAY_FILE_PREFIX,
  type GatewayBatches,
  type GatewayBatchInput,
  SPEND_CAP_HEADER,
} from "./gateway-batches.ts";

const HOUR_MS = 3_600_000;
/** Anthropic's batches end after 24 hours; OpenAI's only window is `24h`. */
const DEFAULT_WINDOW_MS = 24 * HOUR_MS;
const MAX_WINDOW_MS = 7 * 24 * HOUR_MS;

export function serviceRunner(service: GatewayBatchService): GatewayBatches {
  const read = async (call: CallContext, id: string) => {
    const state = await service.read(call.key.orgId, id);
    if (!state || state.surface !== call.surface)
      throw new GatewayError("not_found", `no batch ${quoteClientValue(id)}`);
    return state;
  };
  return {
    async create(call, input) {
      const now = Date.now();
      const state = await createGatewayBatchFrom(
        service,
        call.key.orgId,
        {
          projectId: call.key.projectId,
          keyId: call.key.id,
          surface: call.surface,
          endpoint: input.endpoint,
          reason: input.reason,
          inputFileId: input.inputFileId,
          metadata: input.metadata,
          deadlineAt: now + windowMs(input),
          spendCapUsd: spendCap(call.request.headers),
        },
        input.requests,
      );
      return render(call, state);
    },
    async handle(call, operation, id) {
      if (operation === "delete") {
        // Only the Anthropic surface deletes batches; like Anthropic, only an ended one.
        await read(call, id);
        if (!(await service.delete(call.key.orgId, id)))
          throw new GatewayError("not_found", `no batch ${quoteClientValue(id)}`);
        return Response.json(
          { id, type: "message_batch_deleted" },
          { headers: { "x-modelux-batch-runner": "gateway" } },
        );
      }
      if (operation === "cancel") {
        await read(call, id);
        const state = await service.cancel(call.key.orgId, id);
        if (!state) throw new GatewayError("not_found", `no batch ${quoteClientValue(id)}`);
        return render(call, state);
      }
      const state = await read(call, id);
      if (operation === "retrieve") return render(call, state);
      return jsonl(service.results(call.key.orgId, id, "all"));
    },
    async fileContent(call, id) {
      const match = /^file_mlx_(.+)_(output|errors)$/.exec(id);
      const batchId = match?.[1];
      if (!batchId) throw new GatewayError("not_found", `no file ${quoteClientValue(id)}`);
      await read(call, batchId);
      return jsonl(service.results(call.key.orgId, batchId, match[2] as "output" | "errors"));
    },
  };
}

function windowMs(input: GatewayBatchInput): number {
  if (input.completionWindow === null) return DEFAULT_WINDOW_MS;
  const match = /^(\d+)(m|h)$/.exec(input.completionWindow);
  const ms = match ? Number(match[1]) * (match[2] === "h" ? HOUR_MS : 60_000) : Number.NaN;
  if (!(ms >= 60_000 && ms <= MAX_WINDOW_MS))
    throw new GatewayError(
      "invalid_request",
      `completion_window ${quoteClientValue(input.completionWindow)}: a gateway-run batch takes a window of minutes or hours ("30m", "24h"), from 1m to 168h`,
      { param: "completion_window" },
    );
  return ms;
}

function spendCap(headers: Headers): number | null {
  const raw = headers.get(SPEND_CAP_HEADER);
  if (raw === null) return null;
  const value = Number(raw.trim());
  if (raw.trim() === "" || !Number.isFinite(value) || value <= 0)
    throw new GatewayError(
      "invalid_request",
      `X-Modelux-Batch-Spend-Cap-Usd ${quoteClientValue(raw)}: must be a positive number of US dollars`,
      { param: SPEND_CAP_HEADER },
    );
  return value;
}

function jsonl(lines: AsyncIterable<Record<string, unknown>>): Response {
  const encoder = new TextEncoder();
  const iterator = lines[Symbol.asyncIterator]();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await iterator.next();
      if (next.done) controller.close();
      else controller.enqueue(encoder.encode(`${JSON.stringify(next.value)}\n`));
    },
    async cancel() {
      await iterator.return?.();
    },
  });
  return new Response(body, { headers: { "content-type": "application/x-jsonl" } });
}

/** The window as the client wrote it, from its deadline (`24h`, `90m`). */
function windowLabel(state: GatewayBatchState): string {
  if (state.deadlineAt === null) return "24h";
  const minutes = Math.round((state.deadlineAt - state.createdAt) / 60_000);
  return minutes % 60 === 0 ? `${minutes / 60}h` : `${minutes}m`;
}

const seconds = (ms: number | null) => (ms === null ? null : Math.floor(ms / 1000));

function render(call: CallContext, state: GatewayBatchState): Response {
  const body = call.surface === "openai" ? openAiBatch(state) : anthropicBatch(call, state);
  return Response.json(body, { headers: { "x-modelux-batch-runner": "gateway" } });
}

/** OpenAI's statuses: a spend cap's end is `expired` (its unsent lines are, in the error file). */
function openAiBatch(state: GatewayBatchState): Record<string, unknown> {
  const { counts } = state;
  const ended = state.status === "ended";
  const status = !ended
    ? state.status
    : state.endReason === "spend_cap"
      ? "expired"
      : (state.endReason ?? "completed");
  const finished = counts.succeeded + counts.errored + counts.canceled + counts.expired;
  return {
    id: state.id,
    object: "batch",
    endpoint: state.endpoint,
    errors: null,
    input_file_id: state.inputFileId,
    completion_window: windowLabel(state),
    status,
    output_file_id: counts.succeeded > 0 ? `${GATEWAY_FILE_PREFIX}${state.id}_output` : null,
    error_file_id: finished > counts.succeeded ? `${GATEWAY_FILE_PREFIX}${state.id}_errors` : null,
    created_at: seconds(state.createdAt),
    in_progress_at: seconds(state.createdAt),
    expires_at: seconds(state.deadlineAt),
    finalizing_at: null,
    completed_at: ended && state.endReason === "completed" ? seconds(state.endedAt) : null,
    failed_at: null,
    expired_at:
      ended && (state.endReason === "expired" || state.endReason === "spend_cap")
        ? seconds(state.endedAt)
        : null,
    cancelling_at: seconds(state.cancelRequestedAt),
    cancelled_at: ended && state.endReason === "cancelled" ? seconds(state.endedAt) : null,
    request_counts: {
      total: counts.total,
      completed: counts.succeeded,
      failed: counts.errored + counts.canceled + counts.expired,
    },
    metadata: state.metadata,
  };
}

function anthropicBatch(call: CallContext, state: GatewayBatchState): Record<string, unknown> {
  const { counts } = state;
  const ended = state.status === "ended";
  const origin = new URL(call.request.url).origin;
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  return {
    id: state.id,
    type: "message_batch",
    processing_status: ended
      ? "ended"
      : state.status === "cancelling"
        ? "canceling"
        : "in_progress",
    request_counts: {
      processing: counts.pending + counts.claimed,
      succeeded: counts.succeeded,
      errored: counts.errored,
      canceled: counts.canceled,
      expired: counts.expired,
    },
    created_at: iso(state.createdAt),
    expires_at: iso(state.deadlineAt),
    ended_at: ended ? iso(state.endedAt) : null,
    archived_at: null,
    cancel_initiated_at: iso(state.cancelRequestedAt),
    results_url: ended
      ? `${origin}/anthropic/v1/messages/batches/${encodeURIComponent(state.id)}/results`
      : null,
  };
}
