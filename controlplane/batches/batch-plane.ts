// The data plane a gateway-run batch's lines go through: the data plane's own app opened through
// its library face (dataplane/in-process.ts), as experiments' replay plane is, over the batch
// project's current snapshot with one key added: the batch's, under the id of the key that
// created it (traces, logs and key budgets name that key; the client's secret is never kept).
// Unlike the replay plane it is the fleet's traffic: the org's budgets admit every line and its
// spend reaches them, and its traces go to the warehouse with the batch's id (`batch_id`), each
// line's answer written ahead with its row.
import type { Bus } from "#shared/bus/bus.ts";
import type { SecretBox } from "#shared/crypto/secret-box.ts";
import { GatewayError } from "#shared/errors/gateway-error.ts";
import { hashKey, newSecretKey } from "#shared/ids/ids.ts";
import type { SnapshotBody } from "#shared/snapshot/body.ts";
import { type DecisionTrace, openInProcessDataPlane } from "../../dataplane/in-process.ts";
import type { Database } from "../db/client.ts";
import type { GatewayBatchRow } from "../db/schema/index.ts";
import { compileSnapshotBody } from "../publisher/compile-snapshot.ts";
import { type LineAnswer, type LineExecutor, parseLineAnswer } from "./line-executor.ts";

export interface BatchPlaneOptions {
  db: Database;
  secretBox: SecretBox;
  /** The fleet's bus and a directory for the plane's trace log; without it (tests of the worker alone) spend and traces stay in the plane. */
  fleet?: { bus: Bus; traceDirectory: string; log: (message: string) => void };
  random?: () => number;
}

async function batchSnapshot(db: Database, batch: GatewayBatchRow, keyHash: string) {
  const full = await compileSnapshotBody(db);
  const body: SnapshotBody = {
    orgs: full.orgs.filter((org) => org.id === batch.org_id),
    projects: full.projects
      .filter((project) => project.id === batch.project_id)
      // The worker paces the batch itself (settings); the project's per-key defaults would
      // refuse its lines as a burst of one client.
      .map((project) => ({
        ...project,
        settings: { ...project.settings, rpm_limit: null, tpm_limit: null },
      })),
    api_keys: [],
    providers: full.providers.filter((provider) => provider.org_id === batch.org_id),
    routing_configs: full.routing_configs.filter(
      (config) => config.project_id === batch.project_id,
    ),
    budgets: full.budgets.filter((budget) => budget.org_id === batch.org_id),
    price_overrides: (full.price_overrides ?? []).filter((entry) => entry.org_id === batch.org_id),
  };
  const original = full.api_keys.find((key) => key.id === batch.key_id);
  if (!original)
    throw new GatewayError("authentication", "the key that created the batch no longer exists");
  body.api_keys = [
    { ...original, key_hash: keyHash, rpm_limit: null, tpm_limit: null, expires_at: null },
  ];
  return body;
}

export async function openBatchPlane(
  options: BatchPlaneOptions,
  batch: GatewayBatchRow,
): Promise<LineExecutor> {
  const secret = newSecretKey("proxy");
  const snapshot = await batchSnapshot(options.db, batch, hashKey(secret));
  const costs = new Map<string, number>();
  const opened = openInProcessDataPlane({
    nodeId: `batch-${batch.id}`,
    snapshot,
    secretBox: options.secretBox,
    traces: {
      emit(trace: DecisionTrace) {
        trace.batch_id = batch.id;
        costs.set(trace.request_id, trace.cost_usd ?? 0);
      },
    },
    random: options.random ?? Math.random,
    // Each line's answer is written ahead with its request-log row: a line answered just before
    // a crash is restored from there (resume.ts, kept-answers.ts).
    ...(options.fleet ? { fleet: options.fleet, answersWrittenAhead: true } : {}),
  });
  if (!opened.opened) throw new Error(`the batch plane cannot load: ${opened.reason}`);
  const { plane } = opened;
  const prefix = batch.surface === "openai" ? "/openai" : "/anthropic";
  return {
    async send(endpoint, body, clientRequestId): Promise<LineAnswer> {
      const response = await plane.handle(
        new Request(`http://batch.modelux.internal${prefix}${endpoint}`, {
          method: "POST",
          headers: {
            authorization: `Bearer ${secret}`,
            "content-type": "application/json",
            "x-request-id": clientRequestId,
            ...(batch.surface === "anthropic" ? { "anthropic-version": "2023-06-01" } : {}),
          },
          body: JSON.stringify(body),
        }),
      );
      const text = await response.text();
      const requestId = response.headers.get("x-modelux-request-id");
      const costUsd = requestId ? (costs.get(requestId) ?? 0) : 0;
      if (requestId) costs.delete(requestId);
      return { requestId, statusCode: response.status, body: parseLineAnswer(text), costUsd };
    },
    recorded: (requestId) => plane.forgetAnswer(requestId),
    close: () => plane.close(),
  };
}
