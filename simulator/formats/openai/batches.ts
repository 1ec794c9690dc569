// OpenAI's Batch API (and Azure's, on the resource's v1 surface): POST /batches, GET /batches,
// GET /batches/{id}, POST /batches/{id}/cancel, per tenant. A batch moves validating →
// in_progress → finalizing → completed as it is retrieved (the simulator's batch pace), its lines
// run through the simulator's own endpoints; cancel → cancelling → cancelled; an input that does
// not validate → failed; POST /_sim/batches/{id}/expire → expired, every line in the error file.
import * as v from "valibot";
import { type BatchClock, countPoll } from "../../common/batch-pace.ts";
import { jsonResponse, parseJsonObject } from "../../common/http.ts";
import { randomId } from "../../common/random.ts";
import type { SimulatorState } from "../../common/state.ts";
import { describeIssue } from "../../common/validation.ts";
import type { FormatRoute } from "../wire-format.ts";
import {
  BATCH_ENDPOINTS,
  expiredLine,
  invalidInput,
  jsonlLines,
  runBatchLines,
} from "./batch-results.ts";
import { openAiErrorResponse, openAiInvalidRequest } from "./errors.ts";
import { newOpenAiFileId } from "./files.ts";
import { type FilesFlavor, idAfter, pageOf, tenantOrRefusal } from "./files-flavor.ts";

const createSchema = v.strictObject({
  input_file_id: v.pipe(v.string(), v.minLength(1)),
  endpoint: v.picklist(BATCH_ENDPOINTS),
  completion_window: v.literal("24h"),
  metadata: v.optional(v.nullable(v.record(v.string(), v.string()))),
});

const LIFECYCLE = ["validating", "in_progress", "finalizing", "completed"] as const;
const FINAL = new Set(["completed", "failed", "expired", "cancelled"]);

export interface OpenAiBatch {
  id: string;
  tenant: string;
  endpoint: string;
  inputFileId: string;
  metadata: Record<string, string> | null;
  status: string;
  clock: BatchClock;
  /** `<state>_at` times, seconds. */
  times: Record<string, number | null>;
  outputFileId: string | null;
  errorFileId: string | null;
  counts: { total: number; completed: number; failed: number };
  errors: {
    object: "list";
    data: Array<{ code: string; message: string; line: number | null }>;
  } | null;
  usage: { input_tokens: number; output_tokens: number; total_tokens: number } | null;
}

const now = () => Math.floor(Date.now() / 1000);

export function openAiBatchObject(batch: OpenAiBatch) {
  const { times } = batch;
  return {
    id: batch.id,
    object: "batch",
    endpoint: batch.endpoint,
    errors: batch.errors,
    input_file_id: batch.inputFileId,
    completion_window: "24h",
    status: batch.status,
    output_file_id: batch.outputFileId,
    error_file_id: batch.errorFileId,
    created_at: times.created_at,
    in_progress_at: times.in_progress_at ?? null,
    expires_at: (times.created_at ?? 0) + 86_400,
    finalizing_at: times.finalizing_at ?? null,
    completed_at: times.completed_at ?? null,
    failed_at: times.failed_at ?? null,
    expired_at: times.expired_at ?? null,
    cancelling_at: times.cancelling_at ?? null,
    cancelled_at: times.cancelled_at ?? null,
    request_counts: batch.counts,
    metadata: batch.metadata,
    ...(batch.usage ? { usage: batch.usage } : {}),
  };
}

const notFound = (id: string) =>
  openAiErrorResponse(404, `No batch found with id '${id}'.`, { param: "batch_id", code: null });

export function openAiBatchesRoutes(
  state: SimulatorState,
  base: string,
  flavor: FilesFlavor,
): FormatRoute[] {
  const record = (request: Request, raw = "") =>
    state.calls.record(flavor.name, "", request, raw, null);
  const retrieved = async (batch: OpenAiBatch) => {
    await advance(state, batch);
    return jsonResponse(openAiBatchObject(batch));
  };
  return [
    {
      method: "POST",
      path: `${base}/batches`,
      replayable: false,
      async handle(request) {
        const raw = await request.text();
        record(request, raw);
        const caller = tenantOrRefusal(request, flavor);
        if ("refusal" in caller) return caller.refusal;
        const body = parseJsonObject(raw);
        if (!body.ok) return openAiErrorResponse(400, `Invalid JSON body: ${body.reason}`);
        const parsed = v.safeParse(createSchema, body.value);
        if (!parsed.success) return openAiInvalidRequest(describeIssue(parsed.issues));
        const input = state.files.get(caller.tenant, parsed.output.input_file_id);
        if (!input)
          return openAiErrorResponse(404, `No such File object: ${parsed.output.input_file_id}`, {
            param: "input_file_id",
          });
        if (input.purpose !== "batch")
          return openAiErrorResponse(400, "The input file must have purpose 'batch'.", {
            param: "input_file_id",
          });
        const batch: OpenAiBatch = {
          id: randomId("batch_", 32),
          tenant: caller.tenant,
          endpoint: parsed.output.endpoint,
          inputFileId: input.id,
          metadata: parsed.output.metadata ?? null,
          status: "validating",
          clock: { step: 0, polls: 0, expire: false },
          times: { created_at: now() },
          outputFileId: null,
          errorFileId: null,
          counts: { total: 0, completed: 0, failed: 0 },
          errors: null,
          usage: null,
        };
        state.openAiBatches.set(caller.tenant, batch);
        return jsonResponse(openAiBatchObject(batch));
      },
    },
    {
      method: "GET",
      path: `${base}/batches`,
      handle(request) {
        record(request);
        const caller = tenantOrRefusal(request, flavor);
        if ("refusal" in caller) return caller.refusal;
        const page = pageOf(state.openAiBatches.list(caller.tenant), new URL(request.url), 20);
        return jsonResponse({ object: "list", ...page, data: page.data.map(openAiBatchObject) });
      },
    },
    {
      method: "GET",
      path: `${base}/batches/:id`,
      handle(request) {
        record(request);
        const caller = tenantOrRefusal(request, flavor);
        if ("refusal" in caller) return caller.refusal;
        const id = idAfter(request, "batches");
        const batch = state.openAiBatches.get(caller.tenant, id);
        return batch ? retrieved(batch) : notFound(id);
      },
    },
    {
      method: "POST",
      path: `${base}/batches/:id/cancel`,
      replayable: false,
      handle(request) {
        record(request);
        const caller = tenantOrRefusal(request, flavor);
        if ("refusal" in caller) return caller.refusal;
        const id = idAfter(request, "batches");
        const batch = state.openAiBatches.get(caller.tenant, id);
        if (!batch) return notFound(id);
        if (FINAL.has(batch.status) || batch.status === "cancelling")
          return openAiErrorResponse(409, `Cannot cancel a batch with status '${batch.status}'.`);
        batch.status = "cancelling";
        batch.times.cancelling_at = now();
        batch.clock.polls = 0;
        return jsonResponse(openAiBatchObject(batch));
      },
    },
  ];
}

/** One retrieval's worth of progress (all of it at pace 0). */
async function advance(state: SimulatorState, batch: OpenAiBatch): Promise<void> {
  while (!FINAL.has(batch.status) && countPoll(batch.clock, state.batchPace)) {
    await step(state, batch);
    if (state.batchPace.pollsPerState > 0) return;
  }
}

async function step(state: SimulatorState, batch: OpenAiBatch): Promise<void> {
  const input = state.files.get(batch.tenant, batch.inputFileId);
  const lines = input ? jsonlLines(await Bun.file(input.path).text()) : [];
  if (batch.clock.expire) {
    batch.status = "expired";
    batch.times.expired_at = now();
    batch.counts = { total: lines.length, completed: 0, failed: lines.length };
    batch.errorFileId = await writeFile(state, batch, "errors", lines.map(expiredLine));
    return;
  }
  if (batch.status === "cancelling") {
    batch.status = "cancelled";
    batch.times.cancelled_at = now();
    return;
  }
  if (batch.status === "validating") {
    const problem = input
      ? invalidInput(lines, batch.endpoint)
      : { line: null, message: "The input file was deleted." };
    if (problem) {
      batch.status = "failed";
      batch.times.failed_at = now();
      batch.errors = {
        object: "list",
        data: [{ code: "invalid_request", message: problem.message, line: problem.line || null }],
      };
      return;
    }
    batch.counts.total = lines.length;
  }
  const next = LIFECYCLE[LIFECYCLE.indexOf(batch.status as (typeof LIFECYCLE)[number]) + 1];
  if (!next) return;
  if (next === "completed") {
    const results = await runBatchLines(state, lines, batch.endpoint);
    batch.counts = {
      total: results.total,
      completed: results.output.length,
      failed: results.errors.length,
    };
    batch.usage = results.usage;
    if (results.output.length > 0)
      batch.outputFileId = await writeFile(state, batch, "output", results.output);
    if (results.errors.length > 0)
      batch.errorFileId = await writeFile(state, batch, "errors", results.errors);
  }
  batch.status = next;
  batch.times[`${next}_at`] = now();
}

async function writeFile(
  state: SimulatorState,
  batch: OpenAiBatch,
  kind: "output" | "errors",
  lines: string[],
): Promise<string> {
  const file = await state.files.add(
    {
      id: newOpenAiFileId(),
      tenant: batch.tenant,
      filename: `${batch.id}_${kind === "output" ? "output" : "error"}.jsonl`,
      purpose: "batch_output",
      mimeType: "application/jsonl",
      createdAt: now(),
    },
    `${lines.join("\n")}\n`,
  );
  return file.id;
}
