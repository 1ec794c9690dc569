// The config a benchmarked data plane serves: one org, project and proxy key, providers pointing
// at the simulator, and either the realistic setup (a `fallback` config, a project budget) or
// the minimal one (a `single` config, no budget).
import type { SecretBox } from "#shared/crypto/secret-box.ts";
import { hashKey } from "#shared/ids/ids.ts";
import type { SnapshotBody } from "#shared/snapshot/body.ts";

export const BENCH_PROXY_KEY = "mlx_sk_benchbenchbenchbenchbench01";
export const BENCH_ORG = "org_bench";
export const BENCH_PROJECT = "prj_bench";
/** The slug clients send as `model: "@bench"`. */
export const BENCH_ROUTE = "bench";
/** A config serving Claude alone: chat and Responses both translated (the Responses steps). */
export const BENCH_CLAUDE_ROUTE = "bench-claude";
/** The secret box key the data plane and (fleet target) the control plane share. */
export const BENCH_SECRET_KEY = new Uint8Array(32).fill(9);

/** Which parts of the realistic setup are on; "full" and "off" are the benchmark's two. */
export interface ModeluxSetup {
  fallback: boolean;
  budget: boolean;
  wal: boolean;
}

/** `full`, `off`, or a comma list of the parts that are on (`fallback,budget`), for profiling. */
export function parseSetup(text: string | undefined): ModeluxSetup {
  if (text === undefined || text === "full") return { fallback: true, budget: true, wal: true };
  const parts = new Set(text === "off" ? [] : text.split(","));
  return { fallback: parts.has("fallback"), budget: parts.has("budget"), wal: parts.has("wal") };
}

export function benchSnapshotBody(
  setup: ModeluxSetup,
  simulatorUrl: string,
  box: SecretBox,
): SnapshotBody {
  const route = setup.fallback
    ? {
        strategy: "fallback",
        attempts: [
          { model: "openai/gpt-4o-mini", timeout_ms: 10_000 },
          { model: "anthropic/claude-haiku-4-5" },
        ],
        retry_on: ["429", "5xx", "timeout"],
        total_budget_ms: 30_000,
      }
    : { strategy: "single", model: "openai/gpt-4o-mini" };
  return {
    orgs: [{ id: BENCH_ORG, slug: "bench", name: "Bench" }],
    projects: [{ id: BENCH_PROJECT, org_id: BENCH_ORG, slug: "main", settings: {} }],
    api_keys: [
      {
        id: "key_bench",
        org_id: BENCH_ORG,
        project_id: BENCH_PROJECT,
        name: "bench",
        key_hash: hashKey(BENCH_PROXY_KEY),
        rpm_limit: null,
        expires_at: null,
      },
    ],
    providers: [
      provider("openai", `${simulatorUrl}/v1`, box.encrypt("sk-sim")),
      provider("anthropic", `${simulatorUrl}/v1`, box.encrypt("sk-ant-sim")),
    ],
    routing_configs: [
      {
        id: "rc_bench",
        org_id: BENCH_ORG,
        project_id: BENCH_PROJECT,
        slug: BENCH_ROUTE,
        version: 1,
        config: route,
      },
      {
        id: "rc_bench_claude",
        org_id: BENCH_ORG,
        project_id: BENCH_PROJECT,
        slug: BENCH_CLAUDE_ROUTE,
        version: 1,
        config: { strategy: "single", model: "anthropic/claude-haiku-4-5" },
      },
    ],
    budgets: setup.budget
      ? [
          {
            id: "bud_bench",
            org_id: BENCH_ORG,
            project_id: BENCH_PROJECT,
            name: "bench-project",
            scope_type: "project",
            scope_value: BENCH_PROJECT,
            period: "monthly",
            custom_period_seconds: null,
            period_anchor: null,
            // High enough never to block: the check, reservation and settlement still run.
            cap_usd: 1_000_000_000,
            soft_thresholds: [0.8],
            action: "block",
            downgrade_to: null,
            fail_mode: "open",
            stale_after_ms: 30_000,
          },
        ]
      : [],
    price_overrides: [],
  };
}

function provider(vendor: string, baseUrl: string, credential: string) {
  return {
    id: `prv_${vendor}`,
    org_id: BENCH_ORG,
    name: vendor,
    vendor,
    base_url: baseUrl,
    credential,
    options: {},
  };
}
