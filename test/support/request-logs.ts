// Request-log rows for warehouse tests: a complete default row, a generator of varied traffic,
// and a writer that puts rows into the warehouse layout (`project_id=/date=/hour=`) through
// DuckDB, one file per partition and call, as the ingester leaves them.
import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance, VARCHAR } from "@duckdb/node-api";
import {
  REQUEST_LOG_COLUMNS,
  type RequestLogColumn,
  type RequestLogRow,
} from "#shared/traces/request-log.ts";

export function requestLogRow(overrides: Partial<RequestLogRow> = {}): RequestLogRow {
  const createdAt = overrides.created_at ?? new Date().toISOString();
  return {
    request_id: Bun.randomUUIDv7("hex", Date.parse(createdAt)),
    created_at: createdAt,
    project_id: "prj_test",
    org_id: "org_test",
    key_id: "key_test",
    node_id: "node-1",
    surface: "openai",
    config_slug: null,
    config_version: null,
    strategy: null,
    resolved: "direct",
    requested_model: "gpt-4o-mini",
    model: "gpt-4o-mini",
    provider: "openai",
    status: 200,
    error_class: null,
    attempts: 1,
    fallbacks: 0,
    input_tokens: 12,
    output_tokens: 34,
    cached_tokens: 0,
    cache_write_tokens: 0,
    reasoning_tokens: 0,
    cost_usd: 0.0001,
    cost_estimated: false,
    latency_ms: 250,
    ttft_ms: 120,
    overhead_ms: 0.4,
    cache: "off",
    ab_variant: null,
    budgets: "[]",
    tags: {},
    end_user: null,
    trace_id: null,
    conversation_id: null,
    dry_run: false,
    stream: false,
    req_input_tokens: 12,
    req_has_tools: false,
    req_has_images: false,
    req_wants_json: false,
    req_max_tokens: null,
    req_temperature: null,
    decision_reason: "direct model",
    trace: JSON.stringify({ candidates: [], attempts: [], decision: { reason: "direct model" } }),
    prompt: null,
    response: null,
    truncated: false,
    provider_key_fingerprint: null,
    provider_key_hash: null,
    batch_id: null,
    client_request_id: null,
    cache_saved_usd: null,
    cache_similarity: null,
    ...overrides,
  };
}

/**
 * Appends rows to the Parquet root. `omit` leaves columns out of the files, as a file written
 * before those columns existed would (readers then see NULL).
 */
export async function writeRequestLogs(
  root: string,
  rows: RequestLogRow[],
  options: { omit?: RequestLogColumn[] } = {},
): Promise<void> {
  const staging = join(tmpdir(), `modelux-request-logs-${crypto.randomUUID()}.jsonl`);
  await Bun.write(staging, rows.map((row) => JSON.stringify(row)).join("\n"));
  const columns = Object.entries({ ...REQUEST_LOG_COLUMNS, project_id: "VARCHAR" }).filter(
    ([name]) => !options.omit?.includes(name as RequestLogColumn),
  );
  const types = columns.map(([name, type]) => `${name}: '${type}'`).join(", ");
  const instance = await DuckDBInstance.create(":memory:", { threads: "1" });
  const connection = await instance.connect();
  try {
    await connection.run(
      `COPY (
        SELECT ${columns.map(([name]) => name).join(", ")},
          strftime(created_at, '%Y-%m-%d') AS date, strftime(created_at, '%H') AS hour
        FROM read_json($staging, format = 'newline_delimited', columns = {${types}})
      ) TO $root (FORMAT parquet, PARTITION_BY (project_id, date, hour),
                  FILENAME_PATTERN 'test-{uuid}', APPEND true)`,
      { staging, root },
      { staging: VARCHAR, root: VARCHAR },
    );
  } finally {
    connection.closeSync();
    instance.closeSync();
    rmSync(staging, { force: true });
  }
}

/** Deterministic randomness (mulberry32), so a failure reproduces. */
function random(seed: number) {
  let state = seed;
  const next = () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
  return { next, pick, chance: (p: number) => next() < p };
}

const MODELS = [
  ["gpt-4o-mini", "openai"],
  ["gpt-4o", "openai"],
  ["claude-haiku-4-5", "anthropic"],
  ["claude-sonnet-4-5", "anthropic"],
  ["gemini-2.5-flash", "google"],
] as const;
const CONFIGS = [
  { slug: "prod-chat", strategy: "fallback" },
  { slug: "cheap-first", strategy: "cascade" },
  { slug: "experiment", strategy: "ab_test" },
  { slug: null, strategy: null },
] as const;

/**
 * `count` varied rows of one org over the 72 hours from `base`: models, providers, statuses,
 * latencies (none for refused requests), tags, end users, configs with fallback, cascade and A/B
 * strategies; UUIDv7 ids mostly, some UUIDv4; some rows sharing a millisecond; content only in
 * the second half. Deterministic for a seed.
 */
export function generateRequestLogs(
  orgId: string,
  projects: string[],
  count: number,
  seed: number,
  base: number,
): RequestLogRow[] {
  const rng = random(seed);
  const rows: RequestLogRow[] = [];
  for (let index = 0; index < count; index++) {
    // Some rows share the millisecond of the previous one: the cursor must break ties by id.
    const previous = rows.at(-1);
    const createdAt =
      previous && rng.chance(0.05)
        ? previous.created_at
        : new Date(base + Math.floor(rng.next() * 72 * 3_600_000)).toISOString();
    const [model, provider] = rng.pick(MODELS);
    const refused = rng.chance(0.03);
    const status = refused
      ? 400
      : rng.pick([200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 429, 500, 503]);
    const config = rng.pick(CONFIGS);
    const fallbacks = config.strategy === "fallback" && rng.chance(0.25) ? rng.pick([1, 2]) : 0;
    const attempts =
      config.strategy === "cascade" ? rng.pick([1, 1, 1, 2, 3]) : refused ? 0 : fallbacks + 1;
    const tags: Record<string, string> = {};
    if (rng.chance(0.8)) tags.team = rng.pick(["ml", "web", "ops"]);
    if (rng.chance(0.6)) tags.env = rng.pick(["prod", "staging"]);
    if (rng.chance(0.1)) tags.feature = "search=v2 beta";
    const latency = refused ? null : Math.round((40 + rng.next() ** 3 * 4000) * 100) / 100;
    const late = index >= count / 2; // the second batch carries content; the first predates it
    rows.push(
      requestLogRow({
        request_id: rng.chance(0.9)
          ? Bun.randomUUIDv7("hex", Date.parse(createdAt))
          : crypto.randomUUID(),
        created_at: createdAt,
        org_id: orgId,
        project_id: rng.pick(projects),
        key_id: `key_${Math.floor(rng.next() * 4)}`,
        config_slug: config.slug,
        config_version: config.slug ? 3 : null,
        strategy: config.strategy,
        resolved: config.slug ? "config" : "direct",
        requested_model: config.slug ? `@${config.slug}` : model,
        model: refused ? null : model,
        provider: refused ? null : provider,
        status,
        error_class: status >= 400 ? `http_${status}` : null,
        attempts,
        fallbacks,
        input_tokens: Math.floor(rng.next() * 2000),
        output_tokens: status === 200 ? Math.floor(rng.next() * 800) : 0,
        cost_usd: status === 200 ? Math.round(rng.next() * 50_000) / 1_000_000 : 0,
        latency_ms: latency,
        ttft_ms: latency === null ? null : Math.round(latency * 30) / 100,
        ab_variant: config.strategy === "ab_test" ? rng.pick(["control", "candidate"]) : null,
        budgets: rng.chance(0.2) ? '[{"name":"team-cap","used_pct":41.5,"action":"block"}]' : "[]",
        tags,
        end_user: rng.chance(0.7) ? `user_${Math.floor(rng.next() * 25)}` : null,
        req_max_tokens: rng.chance(0.5) ? 512 : null,
        trace: JSON.stringify({
          candidates: [{ provider, model, status: "chosen" }],
          attempts: Array.from({ length: attempts }, (_, step) => ({ provider, model, step })),
          decision: { winner: refused ? null : model, reason: "generated" },
        }),
        prompt: late && rng.chance(0.2) ? `prompt ${index}` : null,
        response: late && rng.chance(0.2) ? `answer ${index}` : null,
      }),
    );
  }
  return rows;
}
