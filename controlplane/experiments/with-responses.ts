// One with_responses experiment end to end (DESIGN §9, docs/experiments.md): sample the window's
// requests whose prompt and answer were captured, re-send each through a private replay plane
// with the candidate deciding, under the spend cap, compare every answer with the recorded one
// (embedding similarity, optional judge), and summarise both sides in DuckDB as routing_only
// does, over the requests that were re-sent.
import type { SecretBox } from "#shared/crypto/secret-box.ts";
import { GatewayError } from "#shared/errors/gateway-error.ts";
import type { Database } from "../db/client.ts";
import type { ExperimentWarehouse } from "./experiment-duckdb.ts";
import { type ItemResult, prepareItem, replayItem, type SampledRequest } from "./replay-item.ts";
import { openReplayPlane } from "./replay-plane.ts";
import {
  DEFAULT_RESPONSE_SAMPLE,
  MAX_RESPONSE_SAMPLE,
  type ResponseComparison,
} from "./response-comparison.ts";
import { type ResponsesReport, responsesReport } from "./responses-report.ts";
import { definitionSeed, type RoutingOnlyDefinition } from "./routing-only.ts";
import { ReplayCancelled } from "./routing-replay.ts";
import { SpendGuard } from "./spend-guard.ts";
import { type Comparison, type SideSummary, summarize } from "./summaries.ts";

/** Re-sent requests in flight at once. */
const CONCURRENCY = 4;

export interface WithResponsesDefinition extends RoutingOnlyDefinition {
  experimentId: string;
  spendCapUsd: number;
  comparison: ResponseComparison;
}

export interface WithResponsesResult {
  baseline: SideSummary;
  candidate: SideSummary;
  comparison: Comparison;
  responses: ResponsesReport;
  notes: Record<string, unknown>;
  /** Every pair as compared, for criteria at other thresholds than the run's. */
  pairs: ItemResult["pair"][];
}

const SAMPLE_COLUMNS = [
  "request_id",
  "surface",
  "prompt",
  "response",
  "tags_json",
  "end_user",
  "conversation_id",
  "input_tokens",
  "req_input_tokens",
  "req_has_images",
  "req_wants_json",
  "req_max_tokens",
  "req_temperature",
] as const;

export async function runWithResponses(
  db: Database,
  secretBox: SecretBox,
  warehouse: ExperimentWarehouse,
  definition: WithResponsesDefinition,
  onProgress: (fraction: number) => Promise<boolean>,
): Promise<WithResponsesResult> {
  const { experimentId, spendCapUsd, comparison, ...core } = definition;
  const seed = definitionSeed(core);
  const scope = { orgId: core.orgId, projectId: core.projectId, slug: core.slug };
  const files = { project_id: core.projectId, start: core.windowStart, end: core.windowEnd };
  const tags = Object.entries(core.filters.tags ?? {}).map(([key, value]) => ({ key, value }));
  const selection = {
    org_id: core.orgId,
    project_id: core.projectId,
    start: core.windowStart,
    end: core.windowEnd,
    config_slug: core.slug,
    model: core.filters.model ?? null,
    end_user: core.filters.end_user ?? null,
    tag_pairs: tags.length > 0 ? tags : null,
  };
  const sampleSize = Math.min(core.sampleSize ?? DEFAULT_RESPONSE_SAMPLE, MAX_RESPONSE_SAMPLE);
  const session = await warehouse.session();
  try {
    await session.materialize(
      "experiment_content_coverage",
      "experiment_content_coverage",
      files,
      selection,
    );
    const coverage = countsByReason(
      await session.tableColumns("experiment_content_coverage", ["reason", "requests"]),
    );
    const sampled = await session.materialize(
      "experiment_sample",
      "experiment_content_rows",
      files,
      { ...selection, sample_size: sampleSize, seed: String(seed) },
    );
    const matching = Object.values(coverage).reduce((sum, count) => sum + count, 0);
    if (sampled === 0)
      throw new GatewayError("invalid_request", nothingUsable(core.slug, coverage));
    const requests = zipRows(await session.tableColumns("experiment_sample", SAMPLE_COLUMNS));

    const plane = await openReplayPlane({
      db,
      secretBox,
      scope,
      candidate: core.candidate,
      marker: experimentId,
      seed,
    });
    const guard = new SpendGuard(spendCapUsd);
    const results: Array<ItemResult | undefined> = [];
    const skipped: Record<string, number> = {};
    const inFlight = new Set<Promise<void>>();
    let stoppedBySpendCap = false;
    let firstBoundUsd: number | null = null;
    let cancelled = false;
    const failures: unknown[] = [];
    for (const [index, request] of requests.entries()) {
      if (!(await onProgress(0.05 + (0.85 * index) / requests.length))) {
        cancelled = true;
        break;
      }
      const item = prepareItem(plane, request, `@${core.slug}`, comparison);
      if ("skip" in item) {
        skipped[item.skip] = (skipped[item.skip] ?? 0) + 1;
        continue;
      }
      firstBoundUsd ??= item.boundUsd;
      // A bound that does not fit now may fit once the calls in flight give back what their
      // holds did not use; only with nothing in flight does the cap stop the run, so the
      // requests sent are those a one-at-a-time run would send.
      let hold = guard.reserve(item.boundUsd);
      while (!hold && inFlight.size > 0) {
        await Promise.race(inFlight);
        hold = guard.reserve(item.boundUsd);
      }
      if (!hold) {
        stoppedBySpendCap = true;
        break;
      }
      // Tasks never reject: an unexpected failure is kept, stops the loop, and is thrown once
      // everything in flight has settled (so no rejection goes unhandled).
      const task: Promise<void> = replayItem(plane, guard, hold, item, comparison)
        .then((result) => {
          results[index] = result;
        })
        .catch((error: unknown) => {
          failures.push(error);
        })
        .finally(() => inFlight.delete(task));
      inFlight.add(task);
      while (inFlight.size >= CONCURRENCY) await Promise.race(inFlight);
      if (failures.length > 0) break;
    }
    await Promise.all(inFlight);
    if (failures.length > 0) throw failures[0];
    if (cancelled) throw new ReplayCancelled("cancelled");

    const done = results.filter((result): result is ItemResult => result !== undefined);
    await session.appendCandidates(done.map((result) => result.candidate));
    await session.materialize("experiment_rows", "experiment_sent_rows", files, {});
    const summaries = await summarize(session);
    const pairs = done.map((result) => result.pair);
    return {
      ...summaries,
      pairs,
      responses: responsesReport({
        comparison,
        pairs,
        guard,
        sampleSize,
        sampled,
        skipped,
        coverage,
        stoppedBySpendCap,
        firstBoundUsd,
      }),
      notes: {
        matching_requests: matching,
        usable_requests: coverage.usable ?? 0,
        replayed_requests: done.length,
        replay_marker: experimentId,
        seed,
      },
    };
  } finally {
    session.close();
  }
}

function countsByReason(columns: Record<string, unknown[]>): Record<string, number> {
  const reasons = columns.reason ?? [];
  return Object.fromEntries(
    reasons.map((reason, index) => [String(reason), Number(columns.requests?.[index] ?? 0)]),
  );
}

function zipRows(columns: Record<string, unknown[]>): SampledRequest[] {
  const count = columns.request_id?.length ?? 0;
  return Array.from({ length: count }, (_, index) => {
    const row: Record<string, unknown> = {};
    for (const name of SAMPLE_COLUMNS) row[name] = columns[name]?.[index] ?? null;
    return {
      ...row,
      input_tokens: Number(row.input_tokens ?? 0),
      req_input_tokens: Number(row.req_input_tokens ?? 0),
      req_max_tokens: row.req_max_tokens === null ? null : Number(row.req_max_tokens),
      req_temperature: row.req_temperature === null ? null : Number(row.req_temperature),
      req_has_images: row.req_has_images === true,
      req_wants_json: row.req_wants_json === true,
    } as SampledRequest;
  });
}

/** Why nothing can be re-sent, in a sentence the experiment's error shows. */
function nothingUsable(slug: string, coverage: Record<string, number>): string {
  const total = Object.values(coverage).reduce((sum, count) => sum + count, 0);
  if (total === 0)
    return `no requests of @${slug} in the window match the experiment's filters; nothing to re-send`;
  const reasons = Object.entries(coverage)
    .map(([reason, count]) => `${reason} ${count}`)
    .join(", ");
  return (
    `none of the ${total} matching requests of @${slug} can be re-sent (${reasons}): with_responses ` +
    "needs requests whose prompt and answer were captured (project setting capture_content: true, " +
    "non-streamed, without tools)"
  );
}
