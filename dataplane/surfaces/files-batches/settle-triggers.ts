// When a passthrough batch's cost is settled: a poll that sees it end, or the first read of its
// results, whichever comes first (batch-settlement.ts makes it once across the fleet). Started
// off the answer's path; a node runs one settlement of a batch at a time.

import { callStored } from "../../pipeline/stored-resource-call.ts";
import type { RuntimeProvider } from "../../snapshot/runtime-config.ts";
import { settleBatchOnce } from "./batch-settlement.ts";
import type { CallContext } from "./call-context.ts";
import { forwardedHeaders } from "./files.ts";
import { jsonlLines } from "./jsonl.ts";
import { anthropicResultLine, openAiResultLine } from "./result-lines.ts";

// Per data plane (several may share a process: tests, the control plane's replay planes).
const runningByNode = new WeakMap<object, Map<string, Promise<unknown>>>();

function runningOn(node: object): Map<string, Promise<unknown>> {
  let running = runningByNode.get(node);
  if (!running) {
    running = new Map();
    runningByNode.set(node, running);
  }
  return running;
}

/** The settlement of a batch this data plane is running (tests wait on it), or undefined. */
export function settlementInFlight(
  node: object,
  orgId: string,
  batchId: string,
): Promise<unknown> | undefined {
  return runningOn(node).get(`${orgId}\u0000${batchId}`);
}

function start(call: CallContext, batchId: string, settle: () => Promise<unknown>): void {
  const running = runningOn(call.context);
  const key = `${call.key.orgId}\u0000${batchId}`;
  if (running.has(key)) return;
  const task = settle()
    .catch((error) =>
      console.error(`batch ${batchId}: settlement failed, the next poll or read retries:`, error),
    )
    .finally(() => running.delete(key));
  running.set(key, task);
}

/** OpenAI: the output and error files' lines. */
export function settleOpenAiBatch(
  call: CallContext,
  provider: RuntimeProvider,
  batch: { id: string; output_file_id?: unknown; error_file_id?: unknown },
): void {
  const files = [batch.output_file_id, batch.error_file_id].filter(
    (id): id is string => typeof id === "string" && id !== "",
  );
  start(call, batch.id, () =>
    settleBatchOnce({
      context: call.context,
      config: call.config,
      orgId: call.key.orgId,
      batchId: batch.id,
      provider,
      readLine: openAiResultLine,
      async *results() {
        for (const id of files) {
          const response = await callStored({
            config: call.config,
            orgId: call.key.orgId,
            provider,
            resource: "files",
            method: "GET",
            path: `/${encodeURIComponent(id)}/content`,
          });
          if (response.body) yield* jsonlLines(response.body);
        }
      },
    }),
  );
}

/** Anthropic: the batch's results. */
export function settleAnthropicBatch(
  call: CallContext,
  provider: RuntimeProvider,
  batchId: string,
): void {
  start(call, batchId, () =>
    settleBatchOnce({
      context: call.context,
      config: call.config,
      orgId: call.key.orgId,
      batchId,
      provider,
      readLine: anthropicResultLine,
      async *results() {
        const response = await callStored({
          config: call.config,
          orgId: call.key.orgId,
          provider,
          resource: "batches",
          method: "GET",
          path: `/${encodeURIComponent(batchId)}/results`,
          forwardHeaders: forwardedHeaders(call),
        });
        if (response.body) yield* jsonlLines(response.body);
      },
    }),
  );
}
