// Synthetic traffic for experiments (the test and the bench): an org's providers and routing
// configs in Postgres, and request-log rows written to the warehouse layout the way the
// ingester writes them. Production runs `@production`, a fallback config (gpt-4o, then
// claude-sonnet-4-5); a little traffic on single-model configs makes the cheaper models'
// latencies, error rates and response lengths observable in the window. Deterministic for a seed.

import type { SecretBox } from "#shared/crypto/secret-box.ts";
import { newId } from "#shared/ids/ids.ts";
import { lookupModel } from "#shared/pricing/catalog.ts";
import { costUsd } from "#shared/pricing/cost.ts";
import type { RequestLogRow } from "#shared/traces/request-log.ts";
import type { Database } from "../../controlplane/db/client.ts";
import { providers } from "../../controlplane/db/schema/index.ts";
import { seededRandom } from "../../controlplane/experiments/seeded-random.ts";
import { saveRoutingConfig } from "../../controlplane/modules/routing-configs/service.ts";
import {
  hourDirectory,
  openWarehouse,
  storedRow,
  writeRows,
} from "../../controlplane/warehouse/parquet-writer.ts";

export const PROVIDERS = ["openai", "anthropic", "groq", "deepseek"] as const;

export const BASELINE_SLUG = "production";
export const BASELINE_CONFIG = {
  strategy: "fallback",
  attempts: [
    { model: "gpt-4o", provider: "openai" },
    { model: "claude-sonnet-4-5", provider: "anthropic" },
  ],
};

/** The candidate the test and the bench replay: the cheapest model that can serve each request. */
export const COST_OPTIMIZED_CANDIDATE = {
  strategy: "cost_optimized",
  quality_tier: "low",
  allowed_models: [
    { model: "llama3-8b-8192", provider: "groq" },
    { model: "deepseek-chat", provider: "deepseek" },
    { model: "gpt-4o-mini", provider: "openai" },
    { model: "claude-haiku-4-5", provider: "anthropic" },
  ],
};

interface ModelShape {
  provider: (typeof PROVIDERS)[number];
  model: string;
  /** Median output tokens and latency: base + per output token. */
  outputMedian: number;
  baseMs: number;
  msPerToken: number;
}

const SHAPES: Record<string, ModelShape> = {
  "gpt-4o": { provider: "openai", model: "gpt-4o", outputMedian: 300, baseMs: 350, msPerToken: 14 },
  "claude-sonnet-4-5": {
    provider: "anthropic",
    model: "claude-sonnet-4-5",
    outputMedian: 420,
    baseMs: 600,
    msPerToken: 15,
  },
  "gpt-4o-mini": {
    provider: "openai",
    model: "gpt-4o-mini",
    outputMedian: 250,
    baseMs: 300,
    msPerToken: 11,
  },
  "llama3-8b-8192": {
    provider: "groq",
    model: "llama3-8b-8192",
    outputMedian: 180,
    baseMs: 120,
    msPerToken: 3,
  },
  "deepseek-chat": {
    provider: "deepseek",
    model: "deepseek-chat",
    outputMedian: 320,
    baseMs: 900,
    msPerToken: 28,
  },
  "claude-haiku-4-5": {
    provider: "anthropic",
    model: "claude-haiku-4-5",
    outputMedian: 280,
    baseMs: 380,
    msPerToken: 8,
  },
};

/** Single-model configs whose traffic makes the candidate's models observable. */
const OBSERVED = ["gpt-4o-mini", "llama3-8b-8192", "deepseek-chat", "claude-haiku-4-5"] as const;

/** Inserts the org's providers (sealed dummy credentials) and the routing configs. */
export async function seedExperimentWorld(
  db: Database,
  scope: { orgId: string; projectId: string; secretBox: SecretBox },
): Promise<void> {
  for (const vendor of PROVIDERS) {
    await db.insert(providers).values({
      id: newId("provider"),
      org_id: scope.orgId,
      name: vendor,
      vendor,
      base_url: null,
      credential_ciphertext: scope.secretBox.encrypt(`sk-${vendor}-bench`),
      credential_hint: "…ench",
    });
  }
  const save = (slug: string, config: Record<string, unknown>) =>
    saveRoutingConfig(db, { orgId: scope.orgId, projectId: scope.projectId, slug, config });
  await save(BASELINE_SLUG, BASELINE_CONFIG);
  for (const model of OBSERVED) {
    const shape = SHAPES[model] as ModelShape;
    await save(slugOf(model), { strategy: "single", model, provider: shape.provider });
  }
}

const slugOf = (model: string) => model.replace(/[^a-z0-9]+/g, "-").slice(0, 40);

export interface TrafficOptions {
  root: string;
  orgId: string;
  projectId: string;
  start: Date;
  days: number;
  /** Requests of @production. */
  requests: number;
  /** Requests of each observed single-model config; default a tenth of `requests`. */
  observedRequests?: number;
  seed?: number;
}

/** Writes the rows (one file per hour) and returns them. */
export async function writeTraffic(options: TrafficOptions): Promise<RequestLogRow[]> {
  const random = seededRandom(options.seed ?? 7);
  const span = options.days * 86_400_000;
  const at = () => options.start.getTime() + Math.floor(random() * span);
  const rows: RequestLogRow[] = [];
  for (let index = 0; index < options.requests; index++)
    rows.push(productionRow(options, at(), random));
  const observed = options.observedRequests ?? Math.ceil(options.requests / 10);
  for (const model of OBSERVED)
    for (let index = 0; index < observed; index++)
      rows.push(singleRow(options, model, at(), random));
  await writeHours(options.root, rows);
  return rows;
}

async function writeHours(root: string, rows: RequestLogRow[]): Promise<void> {
  const byHour = new Map<string, { directory: string; rows: Record<string, unknown>[] }>();
  for (const row of rows) {
    const stored = storedRow(row);
    if (typeof stored === "string") throw new Error(stored);
    const directory = hourDirectory(root, stored.partition);
    let hour = byHour.get(directory);
    if (!hour) {
      hour = { directory, rows: [] };
      byHour.set(directory, hour);
    }
    hour.rows.push(stored.row);
  }
  const warehouse = await openWarehouse(root);
  try {
    for (const hour of byHour.values()) await writeRows(warehouse, hour.directory, hour.rows);
  } finally {
    await warehouse.close();
  }
}

type Features = Pick<
  RequestLogRow,
  "req_input_tokens" | "req_has_tools" | "req_has_images" | "req_wants_json" | "req_max_tokens"
>;

function features(random: () => number): Features {
  const kind = random();
  const input = 200 + Math.floor(random() * 2800);
  const base = {
    req_input_tokens: input,
    req_has_tools: false,
    req_has_images: false,
    req_wants_json: false,
  };
  const maxTokens = random() < 0.5 ? null : 512;
  if (kind < 0.55) return { ...base, req_max_tokens: maxTokens };
  if (kind < 0.75) return { ...base, req_has_tools: true, req_max_tokens: maxTokens };
  if (kind < 0.85) return { ...base, req_wants_json: true, req_max_tokens: maxTokens };
  if (kind < 0.95) return { ...base, req_has_images: true, req_max_tokens: maxTokens };
  if (kind < 0.98)
    return {
      ...base,
      req_input_tokens: 9_000 + Math.floor(random() * 11_000),
      req_max_tokens: maxTokens,
    };
  // Past gpt-4o-mini's 128k context: only claude-haiku-4-5 can read it among the candidates.
  return { ...base, req_has_images: true, req_input_tokens: 140_000, req_max_tokens: 1024 };
}

interface Attempt {
  provider: string;
  model: string;
  started_ms: number;
  latency_ms: number;
  ttft_ms?: number;
  status: number | "timeout";
  usage?: {
    inputTokens: number;
    outputTokens: number;
    cacheReadTokens: number;
    cacheWriteTokens: number;
    reasoningTokens: number;
  };
  cost_usd?: number;
}

function success(
  model: string,
  features: Features,
  startedMs: number,
  random: () => number,
): Attempt {
  const shape = SHAPES[model] as ModelShape;
  const output = Math.max(1, Math.round(shape.outputMedian * (0.4 + random() * 1.2)));
  const cached = random() < 0.2 ? Math.floor(features.req_input_tokens / 2) : 0;
  const usage = {
    inputTokens: features.req_input_tokens,
    outputTokens: output,
    cacheReadTokens: cached,
    cacheWriteTokens: 0,
    reasoningTokens: 0,
  };
  const latency = Math.round((shape.baseMs + output * shape.msPerToken) * (0.8 + random() * 0.4));
  return {
    provider: shape.provider,
    model,
    started_ms: startedMs,
    latency_ms: latency,
    ttft_ms: Math.round(shape.baseMs * (0.8 + random() * 0.4)),
    status: 200,
    usage,
    cost_usd: costUsd(usage, lookupModel(shape.provider, model).price),
  };
}

function failure(
  model: string,
  status: number | "timeout",
  startedMs: number,
  random: () => number,
): Attempt {
  const shape = SHAPES[model] as ModelShape;
  const latency = status === "timeout" ? 10_000 : Math.round(50 + random() * 300);
  return { provider: shape.provider, model, started_ms: startedMs, latency_ms: latency, status };
}

function productionRow(options: TrafficOptions, atMs: number, random: () => number): RequestLogRow {
  const wanted = features(random);
  const outcome = random();
  const attempts: Attempt[] = [];
  let status = 200;
  if (outcome < 0.88) {
    attempts.push(success("gpt-4o", wanted, 2, random));
  } else if (outcome < 0.96) {
    const first = failure(
      "gpt-4o",
      random() < 0.5 ? 429 : random() < 0.5 ? 503 : "timeout",
      2,
      random,
    );
    attempts.push(first, success("claude-sonnet-4-5", wanted, first.latency_ms + 3, random));
  } else if (outcome < 0.98) {
    const first = failure("gpt-4o", 503, 2, random);
    attempts.push(first, failure("claude-sonnet-4-5", 529, first.latency_ms + 3, random));
    status = 502;
  } else {
    attempts.push({ ...failure("gpt-4o", 400, 2, random) });
    status = 400;
  }
  return row(options, atMs, random, {
    slug: BASELINE_SLUG,
    strategy: "fallback",
    features: wanted,
    attempts,
    status,
  });
}

function singleRow(
  options: TrafficOptions,
  model: string,
  atMs: number,
  random: () => number,
): RequestLogRow {
  const wanted = { ...features(random), req_input_tokens: 200 + Math.floor(random() * 2800) };
  const attempts = [success(model, wanted, 2, random)];
  return row(options, atMs, random, {
    slug: slugOf(model),
    strategy: "single",
    features: wanted,
    attempts,
    status: 200,
  });
}

function row(
  options: TrafficOptions,
  atMs: number,
  random: () => number,
  shape: {
    slug: string;
    strategy: string;
    features: Features;
    attempts: Attempt[];
    status: number;
  },
): RequestLogRow {
  const served = shape.status < 400 ? shape.attempts.at(-1) : undefined;
  const last = shape.attempts.at(-1) as Attempt;
  const requestId = uuidV7(atMs, random);
  const tags = { team: random() < 0.6 ? "search" : "support" };
  const user = `user-${1 + Math.floor(random() * 50)}`;
  const latency = last.started_ms + last.latency_ms;
  const trace = {
    request_id: requestId,
    config: { slug: shape.slug, version: 1 },
    strategy: shape.strategy,
    resolved: "config",
    attempts: shape.attempts,
    decision: {
      winner: served?.model ?? null,
      provider: served?.provider ?? null,
      reason: "synthetic",
    },
  };
  return {
    request_id: requestId,
    created_at: new Date(atMs).toISOString(),
    project_id: options.projectId,
    org_id: options.orgId,
    key_id: "key_bench",
    node_id: "bench",
    surface: "openai",
    config_slug: shape.slug,
    config_version: 1,
    strategy: shape.strategy,
    resolved: "config",
    requested_model: `@${shape.slug}`,
    model: served?.model ?? null,
    provider: served?.provider ?? null,
    status: shape.status,
    error_class:
      shape.status >= 400 ? (shape.status === 400 ? "invalid_request" : "upstream_error") : null,
    attempts: shape.attempts.length,
    fallbacks: Math.max(0, shape.attempts.length - 1),
    input_tokens: served?.usage?.inputTokens ?? 0,
    output_tokens: served?.usage?.outputTokens ?? 0,
    cached_tokens: served?.usage?.cacheReadTokens ?? 0,
    cache_write_tokens: 0,
    reasoning_tokens: 0,
    cost_usd: served?.cost_usd ?? 0,
    cost_estimated: false,
    latency_ms: latency,
    ttft_ms: served?.ttft_ms === undefined ? null : served.started_ms + served.ttft_ms,
    overhead_ms: 1,
    cache: "off",
    ab_variant: null,
    budgets: "[]",
    tags,
    end_user: user,
    trace_id: null,
    conversation_id: null,
    dry_run: false,
    stream: false,
    ...shape.features,
    req_temperature: null,
    decision_reason: "synthetic",
    trace: JSON.stringify(trace),
    prompt: null,
    response: null,
    truncated: false,
    provider_key_fingerprint: null,
    provider_key_hash: null,
    batch_id: null,
    client_request_id: null,
    cache_saved_usd: null,
    cache_similarity: null,
  };
}

/** A UUIDv7 for `atMs`, its random bits from the generator. */
function uuidV7(atMs: number, random: () => number): string {
  const hex = (digits: number) =>
    Array.from({ length: digits }, () => Math.floor(random() * 16).toString(16)).join("");
  const time = atMs.toString(16).padStart(12, "0");
  const variant = (8 + Math.floor(random() * 4)).toString(16);
  return `${time.slice(0, 8)}-${time.slice(8)}-7${hex(3)}-${variant}${hex(3)}-${hex(12)}`;
}
