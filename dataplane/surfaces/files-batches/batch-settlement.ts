// Settles a passthrough batch's cost once across the fleet (DESIGN §7, issue 17): when a poll sees
// it end or its results are first read, whichever comes first, on whichever data plane. The node
// that wins a compare-and-set on the batch's record (claimed) reads the results from the vendor,
// writes one request-log row per result line (with `batch_id`, cost at the batch price), corrects
// the spend its admission charged to the results' cost, and marks the record settled. A claim
// left by a node that died is taken over after CLAIM_LEASE_MS.
import type { CanonicalUsage } from "#shared/canonical/response.ts";
import { batchPrice } from "#shared/pricing/batch-price.ts";
import { costUsd } from "#shared/pricing/cost.ts";
import type { DataPlaneContext } from "../../context.ts";
import { readModeluxFields } from "../../pipeline/request-context.ts";
import { modelInfoFor } from "../../snapshot/model-info.ts";
import type { RuntimeConfig, RuntimeProvider } from "../../snapshot/runtime-config.ts";
import { startTrace } from "../../trace/build-trace.ts";
import { parseObjectLine } from "./jsonl.ts";
import { type BatchRecord, batchKey, readBatchRecord } from "./records.ts";
import type { ResultLine } from "./result-lines.ts";

export const CLAIM_LEASE_MS = 10 * 60_000;
const MAX_CLAIM_ATTEMPTS = 5;

export interface SettleInput {
  context: DataPlaneContext;
  config: RuntimeConfig;
  orgId: string;
  batchId: string;
  provider: RuntimeProvider;
  /** The result lines, read from the vendor: called only by the node that wins the claim. */
  results(): AsyncIterable<string>;
  readLine(line: Record<string, unknown>): ResultLine | null;
  now?: () => number;
}

export type SettleOutcome = "settled" | "already-settled" | "claimed-elsewhere" | "unknown";

export async function settleBatchOnce(input: SettleInput): Promise<SettleOutcome> {
  const { context, orgId, batchId } = input;
  const now = input.now ?? Date.now;
  const key = batchKey(orgId, batchId);
  for (let attempt = 0; attempt < MAX_CLAIM_ATTEMPTS; attempt++) {
    const stored = await readBatchRecord(context.state, orgId, batchId);
    if (stored === null) return "unknown";
    const { record, revision } = stored;
    if (record.settlement?.state === "settled") return "already-settled";
    if (record.settlement?.state === "claimed" && now() - record.settlement.at < CLAIM_LEASE_MS)
      return "claimed-elsewhere";
    const claimed: BatchRecord = {
      ...record,
      settlement: { state: "claimed", node_id: context.nodeId, at: now() },
    };
    if (!(await context.state.putIfRevision(key, claimed, revision))) continue;
    let totals: { usd: number; lines: number };
    try {
      totals = await writeRows(input, record);
    } catch (error) {
      // Let the next poll or read try again (rows written so far may be written again then).
      await release(input, claimed);
      throw error;
    }
    // Admission charged the estimate; the results' cost replaces it.
    context.budgets.record(record.spend_keys, totals.usd - record.estimate_usd, true);
    const settled: BatchRecord = {
      ...claimed,
      settlement: {
        state: "settled",
        node_id: context.nodeId,
        at: now(),
        actual_usd: totals.usd,
        lines: totals.lines,
      },
    };
    const current = await context.state.getWithRevision(key);
    if (current) await context.state.putIfRevision(key, settled, current.revision);
    return "settled";
  }
  return "claimed-elsewhere";
}

async function release(input: SettleInput, claimed: BatchRecord): Promise<void> {
  const key = batchKey(input.orgId, input.batchId);
  const current = await input.context.state.getWithRevision(key).catch(() => null);
  if (current)
    await input.context.state
      .putIfRevision(key, { ...claimed, settlement: null }, current.revision)
      .catch(() => {});
}

/** One request-log row per result line that ran; the total at the batch price. */
async function writeRows(
  input: SettleInput,
  record: BatchRecord,
): Promise<{ usd: number; lines: number }> {
  const { context, config, orgId, provider } = input;
  const fields = readModeluxFields({}, new Headers());
  fields.tags = record.tags ?? {};
  fields.user = record.end_user ?? null;
  const key = {
    id: record.key_id,
    orgId,
    projectId: record.project_id,
    name: "",
    limits: null,
    expiresAt: null,
  };
  let usd = 0;
  let lines = 0;
  for await (const text of input.results()) {
    const parsed = parseObjectLine(text);
    const line = parsed ? input.readLine(parsed) : null;
    if (line === null) continue;
    lines += 1;
    const model = line.model ?? "unknown";
    const cost = line.usage ? lineCost(config, orgId, provider, model, line.usage) : 0;
    usd += cost;
    const trace = startTrace({
      requestId: Bun.randomUUIDv7(),
      nodeId: context.nodeId,
      key,
      surface: record.surface,
      requestedModel: model,
      fields,
      stream: false,
      arrivedAtMs: Date.now(),
    });
    trace.resolved = "direct";
    trace.status = line.status;
    trace.usage = line.usage;
    trace.cost_usd = cost;
    trace.decision = {
      winner: line.model,
      provider: provider.name,
      reason: `result of batch ${input.batchId}${line.customId ? ` (custom_id ${line.customId})` : ""}, at the batch price`,
    };
    if (line.error) trace.error = line.error;
    trace.batch_id = input.batchId;
    context.traces.emit(trace);
  }
  return { usd, lines };
}

function lineCost(
  config: RuntimeConfig,
  orgId: string,
  provider: RuntimeProvider,
  model: string,
  usage: CanonicalUsage,
): number {
  return costUsd(usage, batchPrice(modelInfoFor(config, orgId, provider.vendor, model).price));
}
