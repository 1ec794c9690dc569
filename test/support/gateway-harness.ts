// A data plane serving one project whose routing configs `@<vendor>` reach every vendor through
// the simulator, for tests that drive the surfaces end to end.

import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import type { StateStore } from "#shared/bus/state-store.ts";
import { SecretBox } from "#shared/crypto/secret-box.ts";
import { hashKey } from "#shared/ids/ids.ts";
import { sealSnapshot } from "#shared/snapshot/envelope.ts";
import { createDataPlaneContext, type DataPlaneContext } from "../../dataplane/context.ts";
import type { KeyLimiter } from "../../dataplane/limits/key-limiter.ts";
import type { HealthTracker } from "../../dataplane/routing/health.ts";
import { createDataPlaneApp } from "../../dataplane/server.ts";
import { SnapshotLoader } from "../../dataplane/snapshot/snapshot-loader.ts";
import type { TelemetrySettings } from "../../dataplane/telemetry/telemetry.ts";
import { type RunningSimulator, startSimulator } from "../../simulator/server.ts";

export const HARNESS_KEY = "mlx_sk_harnessharnessharness01";

/** Each vendor's provider: base URL path below the simulator, model, credential, options. */
export const HARNESS_VENDORS: Record<
  string,
  { path: string; model: string; credential: string; options?: Record<string, unknown> }
> = {
  openai: { path: "/v1", model: "gpt-4o-mini", credential: "sk-sim" },
  azure: {
    path: "",
    model: "gpt-4o-mini",
    credential: "azure-sim",
    options: { api_version: "2024-10-21" },
  },
  anthropic: { path: "/v1", model: "claude-sonnet-4-5", credential: "sk-ant-sim" },
  google: { path: "/v1beta", model: "gemini-2.5-flash", credential: "goog-sim" },
  bedrock: {
    path: "",
    model: "anthropic.claude-sonnet-4-5-v1:0",
    credential: "AKIDSIMULATOR::secretsimulator::us-east-1",
  },
  cohere: { path: "/v2", model: "command-a-reasoning-08-2025", credential: "co-sim" },
  groq: { path: "/v1", model: "llama-3.3-70b-versatile", credential: "gsk-sim" },
};

export interface GatewayHarness {
  simulator: RunningSimulator;
  baseUrl: string;
  context: DataPlaneContext;
  /** Publishes a new snapshot whose extra routing configs are `configs` (slug → config). */
  setRoutingConfigs(configs: Record<string, Record<string, unknown>>): void;
  /** Publishes a new snapshot whose project has these settings (the configs stay). */
  setProjectSettings(settings: Record<string, unknown>): void;
  stop(): Promise<void>;
}

export interface HarnessOptions {
  /** Routing configs besides the `@<vendor>` ones, slug → user-facing config JSON. */
  routingConfigs?: Record<string, Record<string, unknown>>;
  projectSettings?: Record<string, unknown>;
  random?: () => number;
  health?: HealthTracker;
  /** Per vendor: another base URL or credential than the simulator's (e.g. a stub upstream). */
  vendors?: Partial<Record<string, { baseUrl?: string; credential?: string }>>;
  /** Snapshot budgets of org `org_h` / project `prj_h` (snapshot field names). */
  budgets?: Array<Record<string, unknown>>;
  /** More proxy keys of project `prj_h` besides HARNESS_KEY, with their limits (snapshot names). */
  apiKeys?: Array<{
    id: string;
    key: string;
    rpm_limit?: number | null;
    tpm_limit?: number | null;
  }>;
  /** The data plane's per-key limiter (e.g. on a test's clock). */
  limits?: KeyLimiter;
  /** Metrics, access log and OpenTelemetry settings (default: metrics alone). */
  telemetry?: TelemetrySettings;
  /** The bus's state store to share with other planes (default: one of the plane's own). */
  state?: StateStore;
}

export function startGatewayHarness(options: HarnessOptions = {}): GatewayHarness {
  const box = new SecretBox(new Uint8Array(32).fill(7));
  const simulator = startSimulator({ port: 0 });
  const loader = new SnapshotLoader({ secretBox: box });
  const vendors = Object.entries(HARNESS_VENDORS);
  let version = 0;
  let projectSettings = options.projectSettings ?? {};
  let configs = options.routingConfigs ?? {};
  const publish = (extra: Record<string, Record<string, unknown>>) => {
    version += 1;
    configs = extra;
    const applied = loader.apply(
      sealSnapshot(version, {
        orgs: [{ id: "org_h", slug: "h", name: "H" }],
        projects: [{ id: "prj_h", org_id: "org_h", slug: "main", settings: projectSettings }],
        api_keys: [
          {
            id: "key_h",
            org_id: "org_h",
            project_id: "prj_h",
            name: "harness",
            key_hash: hashKey(HARNESS_KEY),
            rpm_limit: null,
            expires_at: null,
          },
          ...(options.apiKeys ?? []).map((extra) => ({
            id: extra.id,
            org_id: "org_h",
            project_id: "prj_h",
            name: extra.id,
            key_hash: hashKey(extra.key),
            rpm_limit: extra.rpm_limit ?? null,
            tpm_limit: extra.tpm_limit ?? null,
            expires_at: null,
          })),
        ],
        providers: vendors.map(([vendor, spec]) => ({
          id: `prv_${vendor}`,
          org_id: "org_h",
          name: vendor,
          vendor,
          base_url: options.vendors?.[vendor]?.baseUrl ?? `${simulator.url}${spec.path}`,
          credential: box.encrypt(options.vendors?.[vendor]?.credential ?? spec.credential),
          options: spec.options ?? {},
        })),
        routing_configs: [
          ...vendors.map(([vendor, spec], index) => ({
            id: `rc_${index}`,
            org_id: "org_h",
            project_id: "prj_h",
            slug: vendor,
            version: 1,
            config: { strategy: "single", model: `${vendor}/${spec.model}` },
          })),
          ...Object.entries(extra).map(([slug, config], index) => ({
            id: `rc_x${index}`,
            org_id: "org_h",
            project_id: "prj_h",
            slug,
            version,
            config,
          })),
        ],
        budgets: (options.budgets ?? []).map((budget, index) => ({
          id: `bud_${index}`,
          org_id: "org_h",
          project_id: null,
          scope_value: null,
          period: "monthly",
          custom_period_seconds: null,
          period_anchor: null,
          soft_thresholds: [0.8],
          action: "block",
          downgrade_to: null,
          fail_mode: "open",
          stale_after_ms: 30_000,
          ...budget,
        })) as never,
      }),
    );
    if (!applied.applied) throw new Error(applied.reason);
  };
  publish(configs);
  const context = createDataPlaneContext({
    nodeId: "harness",
    loader,
    ...(options.random ? { random: options.random } : {}),
    ...(options.health ? { health: options.health } : {}),
    ...(options.limits ? { limits: options.limits } : {}),
    ...(options.telemetry ? { telemetry: { settings: options.telemetry } } : {}),
    ...(options.state ? { state: options.state } : {}),
  });
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch: createDataPlaneApp(context).fetch,
  });
  return {
    simulator,
    baseUrl: `http://127.0.0.1:${server.port}`,
    context,
    setRoutingConfigs: publish,
    setProjectSettings(settings) {
      projectSettings = settings;
      publish(configs);
    },
    async stop() {
      server.stop(true);
      await simulator.stop();
    },
  };
}

/** The official OpenAI SDK pointed at a harness with its key, no retries (a test sees each answer). */
export function openAiClient(harness: { baseUrl: string }): OpenAI {
  return new OpenAI({
    baseURL: `${harness.baseUrl}/openai/v1`,
    apiKey: HARNESS_KEY,
    maxRetries: 0,
  });
}

/** The official Anthropic SDK pointed at a harness with its key, no retries. */
export function anthropicClient(harness: { baseUrl: string }): Anthropic {
  return new Anthropic({
    baseURL: `${harness.baseUrl}/anthropic`,
    apiKey: HARNESS_KEY,
    maxRetries: 0,
  });
}
