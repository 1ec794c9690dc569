// One day of rows, drawn in SQL from the row index and the seed (no row passes through JavaScript),
// materialized in the stored schema and written one file per partition, as compaction leaves an
// hour.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { DuckDBConnection } from "@duckdb/node-api";
import { REQUEST_LOG_COLUMNS } from "#shared/traces/request-log.ts";
import { ENVS, FEATURES, SLOTS, TEAMS } from "./world.ts";

export const MACROS = [
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
  CAST(NULL AS VARCHAR) AS client_request_id,
  CAST(NULL AS DOUBLE) AS cache_saved_usd, CAST(NULL AS DOUBLE) AS cache_similarity,
  project_id, strftime(created_at, '%Y-%m-%d') AS date, strftime(created_at, '%H') AS hour
FROM logged
JOIN tag_sets ts ON ts.t = CASE WHEN unit(key, 34) < 0.08 THEN 0 ELSE
  1 + floor(unit(key, 23) ** 1.5 * ${TEAMS.length})::INTEGER * ${FEATURES.length * ENVS.length}
    + floor(unit(key, 24) * ${FEATURES.length})::INTEGER * ${ENVS.length}
    + CASE WHEN unit(key, 25) < 0.85 THEN 0 WHEN unit(key, 25) < 0.97 THEN 1 ELSE 2 END END`;

/** The day's rows cast to the stored schema, REQUEST_LOG_COLUMNS in order, then the partition. */
export const MATERIALIZE_DAY = `CREATE TABLE day AS SELECT ${Object.entries(REQUEST_LOG_COLUMNS)
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
export async function writeDay(connection: DuckDBConnection, root: string): Promise<void> {
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
