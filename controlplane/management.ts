// Assembles the Management API (REST under /manage/v1, its OpenAPI document and docs page), the
// MCP server at /mcp, the dashboard at / (controlplane/dashboard), and their background work: the webhook delivery worker and housekeeping
// of idempotency keys and rate-limit windows. Both control plane modes start it the same way.
import { Elysia } from "elysia";
import type { ControlEvent } from "#shared/bus/envelopes.ts";
import type { StateStore } from "#shared/bus/state-store.ts";
import type { SecretBox } from "#shared/crypto/secret-box.ts";
import { type EgressPolicy, egressPolicyFrom } from "#shared/egress/policy.ts";
import type { ManagementSettings } from "#shared/env/settings.ts";
import type { Logger } from "#shared/log.ts";
import packageJson from "../package.json" with { type: "json" };
import { docsPage } from "./api/docs-page.ts";
import type { ManagementRuntime } from "./api/execute.ts";
import { deleteExpiredIdempotencyKeys } from "./api/idempotency.ts";
import { buildOpenApiDocument } from "./api/openapi.ts";
import { deleteOldRateLimitWindows } from "./api/rate-limit.ts";
import { FEATURES, OPERATIONS } from "./api/registry.ts";
import { featureRoutes, MANAGEMENT_PREFIX, PUBLISHED_MANAGEMENT_PREFIX } from "./api/rest.ts";
import { dashboardRoutes } from "./dashboard/routes.ts";
import type { Database } from "./db/client.ts";
import { createMcpHandler } from "./mcp/server.ts";
import type { FleetCircuits } from "./modules/provider-health/fleet-circuits.ts";
import { createProviderCheck, type ProviderCheck } from "./modules/providers/verify.ts";
import type { WarehouseQuery } from "./warehouse/query.ts";
import { WebhookDeliveryWorker } from "./webhooks/delivery-worker.ts";

export interface ManagementOptions {
  db: Database;
  secretBox: SecretBox;
  settings: ManagementSettings;
  /** Publishes a control event to the fleet; rejects when the bus is not connected. */
  publishControl(event: ControlEvent): Promise<void>;
  /** The bus's shared state store once the bus is there (cache purges are kept in it). */
  cacheState?: () => StateStore | null;
  log: Logger;
  /** Tests inject a check; the default calls the vendor. */
  verifyProvider?: ProviderCheck;
  /** Overrides the egress policy the settings describe (tests inject a resolver). */
  egress?: EgressPolicy;
  /** How webhook deliveries are sent (tests may wrap it). */
  fetch?: typeof fetch;
  /** The request-log warehouse; without it the logs, analytics and export operations answer 503. */
  warehouse?: WarehouseQuery;
  /** The data planes' circuit breakers, heard over the bus; without it circuit_state is null. */
  fleetCircuits?: FleetCircuits;
}

export interface Management {
  /** Mount on the control plane's Elysia app. */
  app: Elysia;
  worker: WebhookDeliveryWorker;
  start(): void;
  stop(): Promise<void>;
}

const HOUSEKEEPING_MS = 10 * 60 * 1000;

export function createManagement(options: ManagementOptions): Management {
  const { db, settings, log } = options;
  const egress = options.egress ?? egressPolicyFrom(settings);
  const worker = new WebhookDeliveryWorker({
    db,
    secretBox: options.secretBox,
    pollMs: settings.MODELUX_WEBHOOK_POLL_MS,
    backoffBaseMs: settings.MODELUX_WEBHOOK_BACKOFF_BASE_MS,
    retryWindowMs: settings.MODELUX_WEBHOOK_RETRY_WINDOW_MS,
    timeoutMs: settings.MODELUX_WEBHOOK_TIMEOUT_MS,
    log,
    egress,
    fetch: options.fetch,
  });
  const runtime: ManagementRuntime = {
    db,
    services: {
      secretBox: options.secretBox,
      settings,
      publishControl: options.publishControl,
      cacheState: options.cacheState ?? (() => null),
      egress,
      verifyProvider:
        options.verifyProvider ??
        createProviderCheck({ timeoutMs: settings.MODELUX_PROVIDER_VERIFY_TIMEOUT_MS, egress }),
      deliverWebhookNow: (id) => worker.deliverNow(id),
      warehouse: options.warehouse ?? null,
      ...(options.fleetCircuits ? { fleetCircuits: options.fleetCircuits } : {}),
      log,
    },
  };
  const version = packageJson.version;
  const document = buildOpenApiDocument(OPERATIONS, version);
  const mcp = createMcpHandler(runtime, OPERATIONS, version);

  const app = new Elysia({ name: "management" })
    .get(`${MANAGEMENT_PREFIX}/openapi.json`, () => document)
    .get(
      "/manage/docs",
      () =>
        new Response(docsPage(`${MANAGEMENT_PREFIX}/openapi.json`), {
          headers: { "content-type": "text/html; charset=utf-8" },
        }),
    )
    .all("/mcp", ({ request }) => mcp(request), { parse: "none" })
    // The dashboard (docs/dashboard.md): its page, assets and sign-in; it acts through the REST
    // routes below.
    .use(dashboardRoutes(db));
  for (const [feature, operations] of Object.entries(FEATURES)) {
    app.use(featureRoutes(feature, operations, runtime));
    app.use(featureRoutes(feature, operations, runtime, PUBLISHED_MANAGEMENT_PREFIX));
  }
  // Unknown paths and wrong methods are answered by the control plane app in the API's error
  // shape (controlplane/api/app-errors.ts), 404 or 405.

  let housekeeping: ReturnType<typeof setInterval> | null = null;
  const sweep = async () => {
    await deleteExpiredIdempotencyKeys(db).catch((error) =>
      log(`idempotency sweep failed: ${(error as Error).message}`),
    );
    await deleteOldRateLimitWindows(db).catch((error) =>
      log(`rate-limit sweep failed: ${(error as Error).message}`),
    );
  };

  return {
    app: app as unknown as Elysia,
    worker,
    start() {
      worker.start();
      housekeeping ??= setInterval(sweep, HOUSEKEEPING_MS);
    },
    async stop() {
      if (housekeeping) clearInterval(housekeeping);
      housekeeping = null;
      await worker.stop();
    },
  };
}
