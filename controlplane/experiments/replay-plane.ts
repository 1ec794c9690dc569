// A private data plane inside the control plane, for re-sending recorded requests
// (with_responses, the single-request re-send; docs/experiments.md). It runs the data plane's
// own app and pipeline (surfaces, routing, adapters, cost), opened through the data plane's
// library face (dataplane/in-process.ts), over the project's current snapshot
// with the candidate in place of the baseline's slug, and differs from a fleet node only in
// what it is wired to: its own budget ledger with no budgets (the experiment's spend cap is the
// bound, production budgets never see replay spend), a trace emitter that keeps each trace for
// the caller (nothing reaches the bus, the warehouse or analytics), and a key that exists only
// here. Every request carries `X-Modelux-Replay: <marker>`, and its trace records the marker.

import type { SecretBox } from "#shared/crypto/secret-box.ts";
import { GatewayError } from "#shared/errors/gateway-error.ts";
import { hashKey, newSecretKey } from "#shared/ids/ids.ts";
import {
  DEFAULT_OUTPUT_BOUND,
  type DecisionTrace,
  openInProcessDataPlane,
  type RequestFeatures,
  type RuntimeApiKey,
  type TraceEmitter,
} from "../../dataplane/in-process.ts";
import type { Database } from "../db/client.ts";
import { type CostBound, planCostBound } from "./cost-bound.ts";
import type { ReplayCall } from "./replay-body.ts";
import { replaySnapshotBody } from "./replay-config.ts";
import { seededRandom } from "./seeded-random.ts";

export const REPLAY_HEADER = "x-modelux-replay";
const KEY_ID = "replay";

export type ReplayTrace = DecisionTrace & {
  replay: { marker: string; source_request_id: string | null };
};

export interface ReplayAnswer {
  status: number;
  /** The response body, parsed when it is JSON. */
  body: unknown;
  /** Null only if the pipeline emitted none (it always does for a known key). */
  trace: ReplayTrace | null;
  costUsd: number;
  /** The answer's text as content capture writes it, redacted as the recorded one was. */
  text: string | null;
}

export interface RoutingHints {
  tags?: Record<string, string>;
  user?: string | null;
  conversationId?: string | null;
}

export interface ReplayPlane {
  send(call: ReplayCall, sourceRequestId?: string | null): Promise<ReplayAnswer>;
  /** The most a call of `model` with these features can cost, from the plan routing makes now. */
  costBound(model: string, features: RequestFeatures, hints?: RoutingHints): CostBound;
}

/** Keeps each trace until the caller takes it. */
class CollectedTraces implements TraceEmitter {
  readonly #traces = new Map<string, DecisionTrace>();
  emit(trace: DecisionTrace): void {
    this.#traces.set(trace.request_id, trace);
  }
  take(requestId: string): DecisionTrace | undefined {
    const trace = this.#traces.get(requestId);
    this.#traces.delete(requestId);
    return trace;
  }
}

export async function openReplayPlane(options: {
  db: Database;
  secretBox: SecretBox;
  scope: { orgId: string; projectId: string; slug: string };
  candidate: Record<string, unknown>;
  /** What X-Modelux-Replay says: the experiment's id, or `log:<request id>`. */
  marker: string;
  seed: number;
}): Promise<ReplayPlane> {
  const { scope, marker } = options;
  const secret = newSecretKey("proxy");
  const body = await replaySnapshotBody(options.db, scope, options.candidate);
  body.api_keys = [
    {
      id: KEY_ID,
      org_id: scope.orgId,
      project_id: scope.projectId,
      name: `replay ${marker}`,
      key_hash: hashKey(secret),
      rpm_limit: null,
      expires_at: null,
    },
  ];
  // The candidate's answer is read from the trace's captured content, so that it is the same
  // text, redacted the same way, as the recorded answer it is compared with.
  body.projects = body.projects.map((project) => ({
    ...project,
    // The replay key is the experiment's, not a client's: the project's per-key limit defaults
    // (docs/limits.md) do not apply to it; the experiment's spend cap bounds it.
    settings: { ...project.settings, capture_content: true, rpm_limit: null, tpm_limit: null },
  }));
  const traces = new CollectedTraces();
  const opened = openInProcessDataPlane({
    nodeId: `replay-${marker}`,
    snapshot: body,
    secretBox: options.secretBox,
    traces,
    random: seededRandom(options.seed),
  });
  if (!opened.opened)
    throw new GatewayError("invalid_request", `the replay plane cannot load: ${opened.reason}`);
  const { plane } = opened;
  const key: RuntimeApiKey = {
    id: KEY_ID,
    orgId: scope.orgId,
    projectId: scope.projectId,
    name: "replay",
    limits: null,
    expiresAt: null,
  };
  const boundRandom = seededRandom(options.seed ^ 0x5bd1e995);

  return {
    async send(call, sourceRequestId = null) {
      const response = await plane.handle(
        new Request(`http://replay.modelux.internal${call.path}`, {
          method: "POST",
          headers: {
            ...call.headers,
            authorization: `Bearer ${secret}`,
            "content-type": "application/json",
            [REPLAY_HEADER]: marker,
          },
          body: JSON.stringify(call.body),
        }),
      );
      const text = await response.text();
      const requestId = response.headers.get("x-modelux-request-id");
      const trace = requestId ? traces.take(requestId) : undefined;
      return {
        status: response.status,
        body: parseJson(text),
        trace: trace ? { ...trace, replay: { marker, source_request_id: sourceRequestId } } : null,
        costUsd: trace?.cost_usd ?? 0,
        text: trace?.content?.response ?? null,
      };
    },
    costBound(model, features, hints = {}) {
      try {
        const plan = plane.plan(key, model, {
          requestId: "cost-bound",
          features,
          tags: hints.tags ?? {},
          user: hints.user ?? null,
          conversationId: hints.conversationId ?? null,
          budgetUsedPct: 0,
          nowMs: Date.now(),
          random: boundRandom,
        });
        return planCostBound(plan, features);
      } catch (error) {
        if (!(error instanceof GatewayError)) throw error;
        // Unroutable: the call fails in routing, before any upstream, and costs nothing.
        return { usd: 0, outputTokens: features.maxTokens ?? DEFAULT_OUTPUT_BOUND };
      }
    },
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
