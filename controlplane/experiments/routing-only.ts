// One routing_only experiment end to end (DESIGN §9): sample the window's requests and gather
// the window's observations in DuckDB, re-decide every request with the candidate
// (routing-replay.ts), write the candidate's results back to DuckDB and summarise both sides
// there (summaries.ts). No provider is called.
import { canonicalJson } from "#shared/snapshot/canonical-json.ts";
import type { Database } from "../db/client.ts";
import type { ExperimentWarehouse } from "./experiment-duckdb.ts";
import { profilesFrom } from "./outcomes.ts";
import { replayRuntimeConfig } from "./replay-config.ts";
import { ReplayCancelled, type ReplayNotes, replayRouting } from "./routing-replay.ts";
import { seedOf } from "./seeded-random.ts";
import { type Comparison, type SideSummary, summarize } from "./summaries.ts";

/** DESIGN §9: an experiment replays at most this many requests (a deterministic sample). */
export const MAX_EXPERIMENT_REQUESTS = 50_000;

/**
 * At most about this many observations feed the replay's health tracker (every k-th, evenly
 * over the window, when there are more); the latency and error profiles use all of them.
 */
export const MAX_HEALTH_OBSERVATIONS = 250_000;

export interface ExperimentFilters {
  model?: string;
  end_user?: string;
  tags?: Record<string, string>;
}

export interface RoutingOnlyDefinition {
  orgId: string;
  projectId: string;
  /** The baseline config's slug. */
  slug: string;
  candidate: Record<string, unknown>;
  windowStart: Date;
  windowEnd: Date;
  filters: ExperimentFilters;
  sampleSize: number | null;
}

export interface RunNotes extends ReplayNotes {
  /** Requests of the baseline in the window that match the filters, before sampling. */
  matching_requests: number;
  replayed_requests: number;
  /** Upstream attempts of the whole project in the window that shaped health and outcomes. */
  observations: number;
  /** Of those, what fed the health tracker (see MAX_HEALTH_OBSERVATIONS). */
  health_observations: number;
  seed: number;
}

export interface RoutingOnlyResult {
  baseline: SideSummary;
  candidate: SideSummary;
  comparison: Comparison;
  notes: RunNotes;
}

const ROW_COLUMNS = [
  "request_id",
  "at_ms",
  "model",
  "provider",
  "status",
  "input_tokens",
  "output_tokens",
  "cost_usd",
  "latency_ms",
  "tags_json",
  "end_user",
  "conversation_id",
  "stream",
  "req_input_tokens",
  "req_has_tools",
  "req_has_images",
  "req_wants_json",
  "req_max_tokens",
  "req_temperature",
  "budgets",
  "failed_attempts",
] as const;

const OBSERVATION_COLUMNS = [
  "at_ms",
  "provider",
  "model",
  "failed",
  "failure_kind",
  "latency_ms",
  "ttft_ms",
] as const;

/** Equal definitions replay the same sample with the same draws. */
export function definitionSeed(definition: RoutingOnlyDefinition): number {
  return seedOf(canonicalJson({ ...definition, orgId: undefined }));
}

/**
 * Runs the experiment. `onProgress` gets the fraction done (0..1) now and then and returns
 * false to stop it (the replay then throws ReplayCancelled).
 */
export async function runRoutingOnly(
  db: Database,
  warehouse: ExperimentWarehouse,
  definition: RoutingOnlyDefinition,
  onProgress: (fraction: number) => Promise<boolean>,
): Promise<RoutingOnlyResult> {
  const scope = { orgId: definition.orgId, projectId: definition.projectId, slug: definition.slug };
  const runtime = await replayRuntimeConfig(db, scope, definition.candidate);
  const seed = definitionSeed(definition);
  const window = {
    org_id: definition.orgId,
    project_id: definition.projectId,
    start: definition.windowStart,
    end: definition.windowEnd,
  };
  const tags = Object.entries(definition.filters.tags ?? {}).map(([key, value]) => ({
    key,
    value,
  }));
  const session = await warehouse.session();
  try {
    const files = {
      project_id: definition.projectId,
      start: definition.windowStart,
      end: definition.windowEnd,
    };
    const replayed = await session.materialize("experiment_rows", "experiment_rows", files, {
      ...window,
      config_slug: definition.slug,
      model: definition.filters.model ?? null,
      end_user: definition.filters.end_user ?? null,
      tag_pairs: tags.length > 0 ? tags : null,
      sample_size: Math.min(
        definition.sampleSize ?? MAX_EXPERIMENT_REQUESTS,
        MAX_EXPERIMENT_REQUESTS,
      ),
      seed: String(seed),
    });
    const observed = await session.materialize(
      "experiment_observations",
      "experiment_observations",
      files,
      window,
    );
    const profiles = profilesFrom(await session.rows("experiment_profiles"));
    const rows = await session.tableColumns("experiment_rows", ROW_COLUMNS);
    const every = Math.ceil(observed / MAX_HEALTH_OBSERVATIONS);
    const observations = await session.tableColumns(
      "experiment_observations",
      OBSERVATION_COLUMNS,
      every,
    );
    if (!(await onProgress(0.1))) throw new ReplayCancelled("cancelled");
    const { results, notes } = await replayRouting({
      runtime,
      ...scope,
      slug: definition.slug,
      rows,
      observations,
      profiles,
      seed,
      onProgress: (done) => onProgress(0.1 + (0.8 * done) / Math.max(1, replayed)),
    });
    await session.appendCandidates(results);
    const summaries = await summarize(session);
    return {
      ...summaries,
      notes: {
        ...notes,
        matching_requests: await session.scalar("experiment_rows", "matching_rows"),
        replayed_requests: replayed,
        observations: observed,
        health_observations: observations.at_ms?.length ?? 0,
        seed,
      },
    };
  } finally {
    session.close();
  }
}
