// Synthetic request-log rows for the warehouse benchmark, written straight to the Hive layout
// of DESIGN §9 by DuckDB (no row passes through JavaScript). Deterministic for a seed.
// `bun run warehouse:generate -- --rows 10000000 --root <dir> [--days 30] [--seed 1]`
import { mkdirSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { type DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import { lookupModel } from "#shared/pricing/catalog.ts";
import { REQUEST_LOG_COLUMNS } from "#shared/traces/request-log.ts";

export interface GenerateOptions {
  /** Directory that receives `project_id=…/date=…/hour=…/compacted-<uuid>.parquet`. */
  root: string;
  rows: number;
  days?: number;
  projects?: number;
  orgs?: number;
  seed?: number;
  /** First UTC day, YYYY-MM-DD. */
  start?: string;
  /** DuckDB threads; every core by default. */
  threads?: number;
}

export interface GenerateResult {
  rows: number;
  files: number;
  bytes: number;
  seconds: number;
}

/**
 * provider, model, median ttft ms, tokens/s, median visible output tokens, thinks, error-rate
 * scale (groq rate-limits more, some vendors overload). Prices come from the catalog.
 */
const MODEL_TABLE: [string, string, number, number, number, boolean, number][] = [
  ["openai", "gpt-4o-mini", 350, 90, 220, false, 0.8],
  ["openai", "gpt-4o", 450, 70, 300, false, 0.9],
  ["openai", "o4-mini", 700, 110, 350, true, 1],
  ["anthropic", "claude-haiku-4-5", 400, 120, 250, false, 1],
  ["anthropic", "claude-sonnet-4-5", 700, 65, 420, false, 1.3],
  ["google", "gemini-2.5-flash", 380, 160, 260, false, 0.9],
  ["google", "gemini-2.5-pro", 1200, 80, 500, true, 1.1],
  ["groq", "llama-3.3-70b-versatile", 120, 280, 230, false, 1.6],
  ["mistral", "mistral-large-latest", 500, 55, 320, false, 1],
  ["mistral", "mistral-small-latest", 280, 110, 200, false, 1],
  ["deepseek", "deepseek-chat", 900, 35, 300, false, 1.2],
  ["deepseek", "deepseek-reasoner", 2000, 30, 450, true, 1.2],
];

interface ConfigTemplate {
  /** Absent for a request that names a model instead of a config. */
  slug?: string;
  strategy?: string;
  targets: string[];
  /** Why each target wins, by position; no character here needs escaping in JSON. */
  reasons: string[];
  /** An A/B test: variant names by target, and the share of the first. */
  variants?: string[];
  split?: number;
  cache?: boolean;
}

/** One way a project's requests are routed: a config, or a model named directly. */
interface Route extends ConfigTemplate {
  version: number | null;
  resolved: string;
  requested: string;
}

const CONFIG_TEMPLATES: ConfigTemplate[] = [
  {
    slug: "production",
    strategy: "fallback",
    targets: ["claude-sonnet-4-5", "gpt-4o", "gemini-2.5-pro"],
    reasons: [
      "primary healthy",
      "primary rate limited, next in chain healthy",
      "first two rate limited, third in chain healthy",
    ],
  },
  {
    slug: "chat",
    strategy: "single",
    targets: ["gpt-4o-mini"],
    reasons: ["single target"],
    cache: true,
  },
  {
    slug: "cheap",
    strategy: "cost_optimized",
    targets: ["deepseek-chat", "mistral-small-latest", "gpt-4o-mini", "gemini-2.5-flash"],
    reasons: ["cheapest allowed model at tier medium"],
  },
  {
    slug: "fast",
    strategy: "latency_optimized",
    targets: ["llama-3.3-70b-versatile", "gemini-2.5-flash", "gpt-4o-mini", "claude-haiku-4-5"],
    reasons: ["lowest p95 over 300 s", "exploration draw"],
  },
  {
    slug: "assistant",
    strategy: "ab_test",
    targets: ["gpt-4o", "claude-sonnet-4-5"],
    reasons: ["variant control drawn, sticky by user", "variant sonnet drawn, sticky by user"],
    variants: ["control", "sonnet"],
    split: 0.8,
  },
  {
    slug: "summarize",
    strategy: "ab_test",
    targets: ["gemini-2.5-flash", "mistral-large-latest"],
    reasons: ["variant control drawn, sticky by user", "variant mistral drawn, sticky by user"],
    variants: ["control", "mistral"],
    split: 0.5,
    cache: true,
  },
  {
    slug: "reasoning",
    strategy: "cascade",
    targets: ["deepseek-chat", "o4-mini"],
    reasons: ["step 1 accepted", "step 1 failed min_length, escalated"],
  },
  {
    slug: "router",
    strategy: "custom_rules",
    targets: ["claude-haiku-4-5", "deepseek-reasoner"],
    reasons: ["else branch", "rule 2 matched: tags.team == ml"],
  },
];

const TEAMS = ["web", "ml", "search", "support", "growth", "platform"];
const FEATURES = ["chat", "summarize", "search", "classify", "extract", "agent", "translate"];
const ENVS = ["prod", "staging", "dev"];
const SLOTS = 1024;
const DAY_MS = 86_400_000;
const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";

/** mulberry32: the seeded PRNG that shapes orgs, projects and routes on the JavaScript side. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fisher-Yates; not sort() with a random comparator, whose draws vary with the engine's tier. */
function shuffle<T>(items: T[], random: () => number): T[] {
  for (let index = items.length - 1; index > 0; index--) {
    const other = Math.floor(random() * (index + 1));
    [items[index], items[other]] = [items[other] as T, items[index] as T];
  }
  return items;
}

/** An id shaped like shared/ids (`prj_` + 26 base32 characters), from the seeded PRNG. */
function seededId(prefix: string, createdMs: number, random: () => number): string {
  let time = "";
  for (let remaining = Math.floor(createdMs), index = 0; index < 10; index++) {
    time = ALPHABET[remaining % 32] + time;
    remaining = Math.floor(remaining / 32);
  }
  let body = "";
  for (let index = 0; index < 16; index++) body += ALPHABET[Math.floor(random() * 32)];
  return `${prefix}_${time}${body}`;
}

/** Weights spread over SLOTS slots, so SQL draws by an equi-join on `floor(u * SLOTS)`. */
function slotsOf(weights: number[]): number[] {
  const total = weights.reduce((sum, weight) => sum + weight, 0);
  const slots: number[] = [];
  let cumulative = 0;
  weights.forEach((weight, index) => {
    cumulative += weight;
    while (slots.length < Math.round((cumulative / total) * SLOTS)) slots.push(index);
  });
  return slots;
}

/** Rows per day: weekends at 60 %, slight growth over the window; sums to `rows` exactly. */
function rowsPerDay(rows: number, days: number, startMs: number): number[] {
  const weights = Array.from({ length: days }, (_, day) => {
    const weekday = new Date(startMs + day * DAY_MS).getUTCDay();
    return (weekday === 0 || weekday === 6 ? 0.6 : 1) * (1 + day / 100);
  });
  const total = weights.reduce((sum, weight) => sum + weight, 0);
  const counts = weights.map((weight) => Math.floor((rows * weight) / total));
  let left = rows - counts.reduce((sum, count) => sum + count, 0);
  for (let day = 0; left > 0; left--, day++) counts[day % days] = (counts[day % days] ?? 0) + 1;
  return counts;
}

const DIMENSION_TABLES = [
  `CREATE TABLE models (m INTEGER, provider VARCHAR, model VARCHAR, ttft_ms DOUBLE,
    tokens_per_second DOUBLE, output_median DOUBLE, reasoning BOOLEAN, error_scale DOUBLE,
    price_input DOUBLE, price_output DOUBLE, price_cache_read DOUBLE, price_cache_write DOUBLE,
    price_reasoning DOUBLE)`,
  `CREATE TABLE projects (p INTEGER, project_id VARCHAR, org_id VARCHAR, keys VARCHAR[],
    budget VARCHAR, budget_scale DOUBLE)`,
  `CREATE TABLE routes (p INTEGER, r INTEGER, config_slug VARCHAR, config_version INTEGER,
    strategy VARCHAR, resolved VARCHAR, requested_model VARCHAR, targets INTEGER[],
    reasons VARCHAR[], variants VARCHAR[], split DOUBLE, cache BOOLEAN, trace_head VARCHAR)`,
  "CREATE TABLE route_slots (p INTEGER, slot INTEGER, r INTEGER)",
  // Tag sets are joined in, not built per row: a MAP per row costs ~1 µs, the join ~0.1 µs.
  `CREATE TABLE tag_sets AS SELECT generate_subscripts(sets, 1) - 1 AS t, unnest(sets) AS tags
    FROM (SELECT $tag_sets::JSON::MAP(VARCHAR, VARCHAR)[] AS sets)`,
];

/** No tags, then every (team, feature, env), in the order the row query indexes them. */
const TAG_SETS = [
  {},
  ...TEAMS.flatMap((team) =>
    FEATURES.flatMap((feature) => ENVS.map((env) => ({ team, feature, env }))),
  ),
];

const INSERT_ROUTE = `INSERT INTO routes VALUES ($1, $2, $3, $4, $5, $6, $7,
  $8::JSON::INTEGER[], $9::JSON::VARCHAR[], $10::JSON::VARCHAR[], $11, $12, $13)`;

async function createDimensions(
  connection: DuckDBConnection,
  settings: { seed: number; projects: number; orgs: number; startMs: number },
): Promise<void> {
  for (const statement of DIMENSION_TABLES) {
    await connection.run(
      statement,
      statement.includes("$tag_sets") ? { tag_sets: JSON.stringify(TAG_SETS) } : undefined,
    );
  }
  for (const [index, row] of MODEL_TABLE.entries()) {
    const { input, output, cacheRead, cacheWrite, reasoning } = lookupModel(row[0], row[1]).price;
    await connection.run(
      "INSERT INTO models VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
      [index, ...row, input, output, cacheRead, cacheWrite, reasoning],
    );
  }

  const random = prng(settings.seed);
  const { startMs } = settings;
  const orgIds = Array.from({ length: settings.orgs }, () =>
    seededId("org", startMs - 400 * DAY_MS * random(), random),
  );
  const modelIndex = (name: string) => MODEL_TABLE.findIndex((row) => row[1] === name);
  for (let project = 0; project < settings.projects; project++) {
    // Orgs own projects unevenly: the first org the most.
    const org = orgIds[Math.min(settings.orgs - 1, Math.floor(random() ** 1.6 * settings.orgs))];
    const keys = Array.from({ length: 1 + Math.floor(random() * 4) }, () =>
      seededId("key", startMs - 90 * DAY_MS * random(), random),
    );
    const budget = random() < 0.6 ? ["team-ml", "monthly", "prod-cap"][project % 3] : null;
    const projectId = seededId("prj", startMs - 200 * DAY_MS * random(), random);
    await connection.run("INSERT INTO projects VALUES ($1, $2, $3, $4::JSON::VARCHAR[], $5, $6)", [
      project,
      projectId,
      org ?? null,
      JSON.stringify(keys),
      budget ?? null,
      0.3 + random() * 0.8,
    ]);

    // `production` and three other configs, then a `provider/model` and a bare model name that
    // go round the models, so that every model carries some traffic.
    const configs = [
      CONFIG_TEMPLATES[0],
      ...shuffle(CONFIG_TEMPLATES.slice(1), random).slice(0, 3),
    ];
    const routes: Route[] = (configs as ConfigTemplate[]).map((config) => ({
      ...config,
      version: 1 + Math.floor(random() * 14),
      resolved: "config",
      requested: `@${config.slug}`,
    }));
    for (const [index, resolved] of ["direct", "auto"].entries()) {
      const [provider, model] = MODEL_TABLE[(project * 2 + index) % MODEL_TABLE.length] ?? [];
      const requested = resolved === "direct" ? `${provider}/${model}` : `${model}`;
      const reasons = [`${resolved} ${requested}`];
      routes.push({ targets: [`${model}`], reasons, version: null, resolved, requested });
    }
    for (const [index, route] of routes.entries()) {
      const config = route.slug ? { slug: route.slug, version: route.version } : null;
      // The trace's opening fields, made here so that SQL never has to escape JSON.
      const head = { config, strategy: route.strategy ?? null, resolved: route.resolved };
      await connection.run(INSERT_ROUTE, [
        project,
        index,
        route.slug ?? null,
        route.version,
        route.strategy ?? null,
        route.resolved,
        route.requested,
        JSON.stringify(route.targets.map(modelIndex)),
        JSON.stringify(route.reasons),
        JSON.stringify(route.variants ?? []),
        route.split ?? 1,
        route.cache === true,
        JSON.stringify(head).slice(1, -1),
      ]);
    }
    const weights = routes.map((route, index) =>
      index === 0 ? 3 : route.slug ? 0.5 + random() * 2 : 0.2 + random(),
    );
    await connection.run(
      "INSERT INTO route_slots SELECT $1, slot, ($2::JSON::INTEGER[])[slot + 1] FROM range($3) t(slot)",
      [project, JSON.stringify(slotsOf(weights)), SLOTS],
    );
  }
}

/**
 * A day's rows as blocks, one per partition in (hour, project) order, each with its row count:
 * hours follow a diurnal curve (peak mid-afternoon UTC), projects a Zipf-like law (s = 1.1)
 * with some day-to-day noise. Rounded by largest remainder, so the counts sum to `rows`.
 */
function dayBlocks(rows: number, projects: number, random: () => number) {
  const hourWeights = Array.from(
    { length: 24 },
    (_, hour) => 1 + 0.55 * Math.cos((2 * Math.PI * (hour + 0.5 - 15)) / 24),
  );
  const projectWeights = Array.from(
    { length: projects },
    (_, k) => (0.85 + 0.3 * random()) / (k + 1) ** 1.1,
  );
  const total =
    hourWeights.reduce((sum, weight) => sum + weight, 0) *
    projectWeights.reduce((sum, weight) => sum + weight, 0);
  const blocks = hourWeights.flatMap((hourWeight, hour) =>
    projectWeights.map((projectWeight, project) => {
      const exact = (rows * hourWeight * projectWeight) / total;
      return { project, hour, rows: Math.floor(exact), remainder: exact % 1 };
    }),
  );
  let left = rows - blocks.reduce((sum, block) => sum + block.rows, 0);
  const byRemainder = blocks.map((_, index) => index);
  byRemainder.sort((a, b) => (blocks[b]?.remainder ?? 0) - (blocks[a]?.remainder ?? 0) || a - b);
  for (const index of byRemainder) {
    if (left-- <= 0) break;
    (blocks[index] as { rows: number }).rows++;
  }
  return blocks;
}

const MACROS = [
  // Independent random bits per lane: hash(key, lane) would not do, as DuckDB combines the hashes
  // of its arguments by XOR, which makes every lane a fixed bijection of every other.
  "CREATE MACRO bits(key, lane) AS hash(xor(key, lane::UBIGINT))",
  // A uniform [0, 1) and a standard normal (Box-Muller) from the row key and a lane number.
  "CREATE MACRO unit(key, lane) AS (bits(key, lane) >> 11)::DOUBLE / 9007199254740992.0",
  `CREATE MACRO gauss(key, lane) AS
    sqrt(-2 * ln(1 - unit(key, lane))) * cos(2 * pi() * unit(key, lane + 500))`,
];

/**
 * One day of rows, block after block (see dayBlocks): each partition's rows are one run, in
 * created_at order. `$block_firsts` are dataset-wide row indexes, which seed each row's draws.
 */
const DAY_ROWS = `
WITH blocks AS (
  SELECT unnest($block_projects::JSON::INTEGER[]) AS p, unnest($block_hours::JSON::INTEGER[]) AS h,
    unnest($block_rows::JSON::INTEGER[]) AS n, unnest($block_firsts::JSON::BIGINT[]) AS first
), numbered AS (
  SELECT p, h, n, j, first + j AS i, hash(xor(hash(first + j), $seed::UBIGINT)) AS key
  FROM (SELECT *, unnest(range(n)) AS j FROM blocks)
), base AS (
  -- Arrivals evenly spaced through the block's hour, jittered less than the spacing: a block's
  -- rows come out in created_at order.
  SELECT p, i, key, $day_ms::BIGINT + h * 3600000
    + floor((j + 0.5 + 0.9 * (unit(key, 1) - 0.5)) * 3600000 / n)::BIGINT AS ms
  FROM numbered
), routed AS (
  SELECT b.i, b.key, b.ms, pr.project_id, pr.org_id, pr.keys, pr.budget, pr.budget_scale, ro.config_slug,
    ro.config_version, ro.strategy, ro.resolved, ro.requested_model, ro.targets, ro.reasons,
    ro.variants, ro.trace_head, m0.model AS first_model, m0.provider AS first_provider,
    unit(key, 4) / m0.error_scale AS u_error,
    CASE WHEN NOT ro.cache THEN 'off' WHEN unit(key, 6) < 0.12 THEN 'hit' ELSE 'miss' END AS cache,
    -- Which target answered (1-based); a 2 in a fallback or cascade means a first try failed.
    CASE ro.strategy
      WHEN 'fallback' THEN CASE WHEN unit(key, 5) < 0.005 THEN 3 WHEN unit(key, 5) < 0.05 THEN 2
        ELSE 1 END
      WHEN 'cost_optimized' THEN 1 + floor(unit(key, 3) ** 2 * len(ro.targets))::INTEGER
      WHEN 'latency_optimized' THEN 1 + floor(unit(key, 3) ** 3 * len(ro.targets))::INTEGER
      WHEN 'ab_test' THEN CASE WHEN unit(key, 3) < ro.split THEN 1 ELSE 2 END
      WHEN 'cascade' THEN CASE WHEN unit(key, 3) < 0.22 THEN 2 ELSE 1 END
      WHEN 'custom_rules' THEN CASE WHEN unit(key, 3) < 0.3 THEN 2 ELSE 1 END
      ELSE 1 END AS pick
  FROM base b
  JOIN projects pr ON pr.p = b.p
  JOIN route_slots rs ON rs.p = b.p AND rs.slot = floor(unit(key, 2) * ${SLOTS})::INTEGER
  JOIN routes ro ON ro.p = rs.p AND ro.r = rs.r
  JOIN models m0 ON m0.m = ro.targets[1]
), drawn AS (
  SELECT rt.*, m.provider AS m_provider, m.model AS m_model, m.tokens_per_second,
    m.price_input, m.price_output, m.price_cache_read, m.price_cache_write, m.price_reasoning,
    CASE WHEN u_error >= 0.03 THEN 200 WHEN u_error < 0.012 THEN 429 WHEN u_error < 0.018 THEN 502
      WHEN u_error < 0.022 THEN 504 WHEN u_error < 0.025 THEN 500 WHEN u_error < 0.0288 THEN 400
      ELSE 402 END AS status,
    rt.strategy IN ('fallback', 'cascade') AND pick > 1 AS escalated,
    least(120000, greatest(8, exp(ln(900) + 1.1 * gauss(key, 10))))::BIGINT AS prompt_tokens,
    CASE WHEN unit(key, 11) >= 0.4 THEN [256, 1024, 4096][1 + floor(unit(key, 12) * 3)::INTEGER]
      END AS max_tokens,
    greatest(1, exp(ln(m.output_median) + 0.9 * gauss(key, 13)))::BIGINT AS visible_tokens,
    CASE WHEN m.reasoning THEN exp(ln(600) + 0.8 * gauss(key, 14))::BIGINT ELSE 0 END AS thinking,
    m.ttft_ms * exp(0.5 * gauss(key, 16)) AS base_ttft, unit(key, 15) < 0.45 AS stream
  FROM routed rt JOIN models m ON m.m = rt.targets[rt.pick]
), usage AS (
  SELECT d.*, status = 200 AND cache <> 'hit' AS billed,
    status = 402 OR cache = 'hit' AS no_upstream,
    least(visible_tokens, coalesce(max_tokens, 8192)) AS visible,
    unit(key, 17) AS u_cache,
    -- Time to first visible token includes the thinking; a long prompt adds prefill time.
    base_ttft * (1 + prompt_tokens / 60000) + thinking / tokens_per_second * 1000 AS ttft
  FROM drawn d
), priced AS (
  SELECT u.*,
    CASE WHEN billed THEN prompt_tokens ELSE 0 END AS input_tokens,
    CASE WHEN billed THEN visible + thinking ELSE 0 END AS output_tokens,
    CASE WHEN billed THEN thinking ELSE 0 END AS reasoning_tokens,
    CASE WHEN billed AND m_provider <> 'mistral' AND u_cache < 0.35
      THEN floor(prompt_tokens * (0.3 + 0.6 * unit(key, 18)))::BIGINT ELSE 0 END AS cached_tokens,
    CASE WHEN billed AND m_provider = 'anthropic' AND u_cache >= 0.35 AND unit(key, 19) < 0.15
      THEN floor(prompt_tokens * 0.5)::BIGINT ELSE 0 END AS cache_write_tokens,
    CASE WHEN status = 402 THEN NULL WHEN cache = 'hit' THEN 2 + 3 * unit(key, 20)
      WHEN status = 504 THEN 30000 + 50 * unit(key, 20)
      WHEN status IN (429, 400) THEN 80 + 200 * unit(key, 20)
      WHEN status <> 200 THEN 300 + 900 * unit(key, 20)
      ELSE ttft + visible / tokens_per_second * 1000 * exp(0.25 * gauss(key, 21))
        + CASE WHEN escalated THEN 400 + 1600 * unit(key, 22) ELSE 0 END END AS latency_ms,
    CASE WHEN status = 402 THEN 'budget exceeded, request blocked' ELSE
      coalesce(reasons[pick], reasons[1]) END AS decision_reason,
    CASE WHEN budget IS NULL THEN '[]' ELSE '[{"name":"' || budget || '","used_pct":'
      || CASE WHEN status = 402 THEN '1.0' ELSE round(least(0.999, budget_scale * $day_fraction), 3)
      END || ',"action":"' || CASE WHEN status = 402 THEN 'block' ELSE 'none' END || '"}]'
      END AS budgets,
    (lpad(to_hex((ms << 16) | 28672 | (bits(key, 90) & 4095)), 16, '0')
      || to_hex((bits(key, 91) >> 2) | 9223372036854775808::UBIGINT))::UUID::VARCHAR AS request_id
  FROM usage u
), logged AS (
  SELECT p.*, epoch_ms(ms) AS created_at,
    CASE WHEN billed THEN (input_tokens - cached_tokens - cache_write_tokens) * price_input
      + cached_tokens * price_cache_read + cache_write_tokens * price_cache_write
      + (output_tokens - reasoning_tokens) * price_output + reasoning_tokens * price_reasoning
      ELSE 0 END AS cost_usd,
    -- A cache hit names the model whose answer it replays; a refused request names none.
    CASE WHEN status <> 402 THEN m_model END AS model,
    CASE WHEN status <> 402 THEN m_provider END AS provider,
    CASE WHEN strategy = 'ab_test' THEN variants[pick] END AS ab_variant,
    CASE WHEN no_upstream THEN 0 WHEN escalated THEN pick
      WHEN status IN (502, 504) AND strategy = 'fallback' THEN len(targets) ELSE 1 END AS attempts,
    CASE WHEN strategy <> 'fallback' THEN 0 WHEN escalated THEN pick - 1
      WHEN status IN (502, 504) THEN len(targets) - 1 ELSE 0 END AS fallbacks
  FROM priced p
)
SELECT request_id, created_at, org_id,
  keys[1 + floor(unit(key, 30) ** 2 * len(keys))::INTEGER] AS key_id,
  'dp-' || (1 + floor(unit(key, 31) * 4)::INTEGER) AS node_id,
  CASE WHEN unit(key, 32) < 0.72 THEN 'openai' ELSE 'anthropic' END AS surface,
  config_slug, config_version, strategy, resolved, requested_model, model, provider, status,
  CASE status WHEN 200 THEN NULL WHEN 429 THEN 'rate_limited' WHEN 502 THEN 'upstream_error'
    WHEN 504 THEN 'timeout' WHEN 500 THEN 'internal' WHEN 400 THEN 'invalid_request'
    ELSE 'budget_exceeded' END AS error_class,
  attempts, fallbacks, input_tokens, output_tokens, cached_tokens, cache_write_tokens,
  reasoning_tokens, cost_usd, false AS cost_estimated, latency_ms,
  CASE WHEN stream AND billed THEN ttft END AS ttft_ms,
  exp(ln(0.07) + 0.35 * gauss(key, 33)) AS overhead_ms, cache, ab_variant, budgets, tags,
  CASE WHEN unit(key, 35) < 0.8 THEN 'user_' || floor(6000 * unit(key, 36) ** 2.5)::INTEGER
    END AS end_user,
  CASE WHEN unit(key, 37) < 0.2 THEN lower(lpad(to_hex(bits(key, 92)), 16, '0') || lpad(to_hex(bits(key, 93)), 16, '0'))
    END AS trace_id,
  CASE WHEN unit(key, 38) < 0.35 THEN 'conv_' || floor(200000 * unit(key, 39))::INTEGER
    END AS conversation_id,
  unit(key, 40) < 0.002 AS dry_run, stream,
  round(prompt_tokens * (0.92 + 0.1 * unit(key, 41))) AS req_input_tokens,
  unit(key, 42) < 0.25 AS req_has_tools, unit(key, 43) < 0.05 AS req_has_images,
  unit(key, 44) < 0.15 AS req_wants_json, max_tokens AS req_max_tokens,
  CASE WHEN unit(key, 45) >= 0.3 THEN round(unit(key, 46), 1) END AS req_temperature,
  decision_reason,
  -- The decision trace (DESIGN §6), concatenated in one call (each || copies the string so
  -- far): every piece is JSON made in JavaScript (trace_head) or a value needing no escape.
  concat('{"request_id":"', request_id, '",', trace_head, ',"candidates":[',
    CASE WHEN escalated AND strategy = 'fallback' THEN concat('{"target":"', first_model,
      '","provider":"', first_provider, '","status":"failed","reason":"rate limited"},') END,
    '{"target":"', m_model, '","provider":"', m_provider, '","status":"chosen"}],"attempts":[',
    CASE WHEN escalated AND NOT no_upstream THEN concat('{"provider":"', first_provider,
      '","model":"', first_model, '","status":429},') END,
    CASE WHEN NOT no_upstream THEN concat('{"provider":"', m_provider, '","model":"', m_model,
      '","latency_ms":', round(latency_ms)::BIGINT, ',"status":',
      CASE WHEN status = 504 THEN '"timeout"' ELSE status::VARCHAR END, '}') END,
    '],"budgets":', budgets, ',"ab_variant":', coalesce('"' || ab_variant || '"', 'null'),
    ',"cache":"', cache, '","warnings":[],"decision":{"winner":',
    coalesce('"' || model || '"', 'null'), ',"provider":', coalesce('"' || provider || '"', 'null'),
    ',"reason":"', decision_reason, '"}}')
    AS trace,
  NULL AS prompt, NULL AS response, false AS truncated,
  NULL AS provider_key_fingerprint, NULL AS provider_key_hash, NULL AS batch_id,
  CAST(NULL AS DOUBLE) AS cache_saved_usd, CAST(NULL AS DOUBLE) AS cache_similarity,
  project_id, strftime(created_at, '%Y-%m-%d') AS date, strftime(created_at, '%H') AS hour
FROM logged
JOIN tag_sets ts ON ts.t = CASE WHEN unit(key, 34) < 0.08 THEN 0 ELSE
  1 + floor(unit(key, 23) ** 1.5 * ${TEAMS.length})::INTEGER * ${FEATURES.length * ENVS.length}
    + floor(unit(key, 24) * ${FEATURES.length})::INTEGER * ${ENVS.length}
    + CASE WHEN unit(key, 25) < 0.85 THEN 0 WHEN unit(key, 25) < 0.97 THEN 1 ELSE 2 END END`;

/** The day's rows cast to the stored schema, REQUEST_LOG_COLUMNS in order, then the partition. */
const MATERIALIZE_DAY = `CREATE TABLE day AS SELECT ${Object.entries(REQUEST_LOG_COLUMNS)
  .map(([column, type]) => `CAST(${column} AS ${type}) AS ${column}`)
  .join(", ")}, project_id, date, hour FROM (${DAY_ROWS})`;

/** Where each partition's rows lie: rows come out in time order, so an hour is one run. */
const DAY_PARTITIONS = `SELECT project_id, date, hour, min(rowid) AS first, max(rowid) AS last,
  count(*) AS rows FROM day GROUP BY ALL ORDER BY hour, project_id`;

// One COPY per partition rather than PARTITION_BY: DuckDB's partitioned writer does not keep
// row order within a file (a file's first rows can land at its end), even on one thread.
const WRITE_PARTITION = `COPY (SELECT * EXCLUDE (project_id, date, hour) FROM day
  WHERE rowid BETWEEN $first AND $last) TO $path (FORMAT parquet, COMPRESSION zstd)`;

/** Writes the materialized day, one file per partition, as compaction leaves an hour. */
async function writeDay(connection: DuckDBConnection, root: string): Promise<void> {
  const partitions = (await connection.runAndReadAll(DAY_PARTITIONS)).getRowObjectsJS();
  const write = await connection.prepare(WRITE_PARTITION);
  for (const { project_id, date, hour, first, last, rows } of partitions) {
    // A partition is written by its run of row ids: check that the run holds it all.
    if (Number(last) - Number(first) + 1 !== Number(rows)) {
      throw new Error(`rows of ${project_id}/${date}/${hour} are not one run in the day table`);
    }
    const directory = join(root, `project_id=${project_id}`, `date=${date}`, `hour=${hour}`);
    mkdirSync(directory, { recursive: true });
    const path = join(directory, `compacted-${crypto.randomUUID()}.parquet`);
    write.bind({ first: first as bigint, last: last as bigint, path });
    await write.run();
  }
}

export async function generateTraces(options: GenerateOptions): Promise<GenerateResult> {
  const started = performance.now();
  const days = options.days ?? 30;
  const seed = options.seed ?? 1;
  const startMs = Date.parse(`${options.start ?? "2026-10-01"}T00:00:00Z`);
  const perDay = rowsPerDay(options.rows, days, startMs);
  const firstRow = perDay.map((_, day) => perDay.slice(0, day).reduce((sum, n) => sum + n, 0));
  mkdirSync(options.root, { recursive: true });
  let nextDay = 0;
  // Lanes, one single-threaded DuckDB per core, each taking the next day: writing a file per
  // partition runs on one thread anyway, and a day at a time bounds memory (10M rows over 30
  // days: 1.2 GB peak RSS for the process with two lanes).
  const lane = async () => {
    const instance = await DuckDBInstance.create(":memory:", {
      threads: "1",
      memory_limit: "2GB",
      // Joins as written, the small dimension tables as build sides: rows then come out in the
      // order they are generated, so each partition's rows are one run of row ids.
      disabled_optimizers: "join_order,build_side_probe_side",
    });
    const connection = await instance.connect();
    try {
      for (const macro of MACROS) await connection.run(macro);
      await createDimensions(connection, {
        seed,
        projects: options.projects ?? 20,
        orgs: options.orgs ?? 5,
        startMs,
      });
      for (let day = nextDay++; day < days; day = nextDay++) {
        const count = perDay[day] ?? 0;
        if (count === 0) continue;
        const blocks = dayBlocks(count, options.projects ?? 20, prng(seed * 1000 + day));
        let first = firstRow[day] ?? 0;
        const firsts = blocks.map((block) => {
          first += block.rows;
          return first - block.rows;
        });
        await connection.run(MATERIALIZE_DAY, {
          seed,
          block_projects: JSON.stringify(blocks.map((block) => block.project)),
          block_hours: JSON.stringify(blocks.map((block) => block.hour)),
          block_rows: JSON.stringify(blocks.map((block) => block.rows)),
          block_firsts: JSON.stringify(firsts),
          day_ms: startMs + day * DAY_MS,
          day_fraction: (day + 1) / days,
        });
        await writeDay(connection, options.root);
        // Dropped now, not replaced by the next day: two days in memory at once would double it.
        await connection.run("DROP TABLE day");
      }
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  };
  const lanes = Math.max(1, Math.min(days, options.threads ?? navigator.hardwareConcurrency));
  await Promise.all(Array.from({ length: lanes }, lane));
  const { files, bytes } = parquetFiles(options.root);
  return { rows: options.rows, files, bytes, seconds: (performance.now() - started) / 1000 };
}

/** The request-log Parquet files under a root (not its rollups) and their total size. */
export function parquetFiles(root: string): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  for (const entry of readdirSync(root, { recursive: true, encoding: "utf8" })) {
    if (!entry.endsWith(".parquet") || !entry.startsWith("project_id=")) continue;
    files++;
    bytes += statSync(join(root, entry)).size;
  }
  return { files, bytes };
}

function flag(name: string): number | undefined {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? Number(process.argv[index + 1]) : undefined;
}

if (import.meta.main) {
  const rootIndex = process.argv.indexOf("--root");
  const root = rootIndex >= 0 ? `${process.argv[rootIndex + 1]}` : "bench/.data/warehouse";
  const result = await generateTraces({
    root,
    rows: flag("rows") ?? 1_000_000,
    days: flag("days"),
    projects: flag("projects"),
    seed: flag("seed"),
    threads: flag("threads"),
  });
  console.log(
    `${result.rows} rows, ${result.files} files, ${(result.bytes / 1e6).toFixed(1)} MB in ${root}, ` +
      `${result.seconds.toFixed(1)} s`,
  );
}
