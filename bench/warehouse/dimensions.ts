// The small tables the row query joins: models with their prices, projects with their org, keys
// and budget, each project's routes and their draw slots, and the tag sets.
import type { DuckDBConnection } from "@duckdb/node-api";
import { lookupModel } from "#shared/pricing/catalog.ts";
import { prng, seededId, shuffle, slotsOf } from "./random.ts";
import {
  CONFIG_TEMPLATES,
  type ConfigTemplate,
  DAY_MS,
  MODEL_TABLE,
  type Route,
  SLOTS,
  TAG_SETS,
} from "./world.ts";

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

const INSERT_ROUTE = `INSERT INTO routes VALUES ($1, $2, $3, $4, $5, $6, $7,
  $8::JSON::INTEGER[], $9::JSON::VARCHAR[], $10::JSON::VARCHAR[], $11, $12, $13)`;

export async function createDimensions(
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
