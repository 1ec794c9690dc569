// The data plane as a library: the one module of dataplane/ that the control plane imports (the
// rule is checked by biome.json and test/unit/import-rules.test.ts; docs/architecture.md, "The
// seam between the planes"). It opens a data plane inside the calling process and names what
// replay reads of the data plane: planning a route over a compiled snapshot, the admission cost
// estimate, and upstream health. A fleet node is assembled by node.ts instead.
import type { Bus, Subscription } from "#shared/bus/bus.ts";
import type { BudgetState } from "#shared/bus/envelopes.ts";
import type { StateStore } from "#shared/bus/state-store.ts";
import type { SecretBox } from "#shared/crypto/secret-box.ts";
import type { SnapshotBody } from "#shared/snapshot/body.ts";
import { sealSnapshot } from "#shared/snapshot/envelope.ts";
import { BudgetLedger } from "./budgets/budget-ledger.ts";
import { createDataPlaneContext } from "./context.ts";
import type { HealthTracker } from "./routing/health.ts";
import { planRoute, type RoutePlan, type RoutingInput } from "./routing/plan.ts";
import { createDataPlaneApp } from "./server.ts";
import type { RuntimeApiKey, RuntimeConfig } from "./snapshot/runtime-config.ts";
import { SnapshotLoader } from "./snapshot/snapshot-loader.ts";
import { serviceRunner } from "./surfaces/files-batches/gateway-batch-runner.ts";
import type { GatewayBatchService } from "./surfaces/files-batches/gateway-batch-service.ts";
import type { DecisionTrace } from "./trace/decision-trace.ts";
import type { TraceEmitter } from "./trace/trace-emitter.ts";
import { WalTraceEmitter } from "./trace/wal-emitter.ts";

// Admission cost: what a request may cost before it runs (input at the input price, the output
// bound at the output price), and the bound used when neither request nor catalog gives one.
export { DEFAULT_OUTPUT_BOUND, estimateRequestUsd, outputBound } from "./budgets/enforce.ts";
// Where upstream calls may go, for every data plane in this process (fleet node or in-process).
export { useUpstreamClient, useUpstreamEgressPolicy } from "./pipeline/upstream-fetch.ts";
// Upstream health per (provider, model): what routing skips and ranks by.
export { type FailureKind, HealthTracker, healthKey } from "./routing/health.ts";
// Planning: the model field of a request into an ordered plan of attempts.
export {
  type Attempt,
  leafAttempts,
  type PlanStep,
  planRoute,
  type RoutePlan,
  type RoutingInput,
} from "./routing/plan.ts";
export type { RequestFeatures } from "./routing/request-features.ts";
/** Output tokens cost_optimized assumes for a request that bounds none. */
export { EXPECTED_OUTPUT_TOKENS } from "./routing/strategies/cost-optimized.ts";
// A snapshot compiled as a data plane serves it.
export {
  compileRuntimeConfig,
  orgScopedKey,
  type RuntimeApiKey,
  type RuntimeConfig,
} from "./snapshot/runtime-config.ts";
export {
  createGatewayBatchFrom,
  type GatewayBatchLine,
  type GatewayBatchReply,
  type GatewayBatchRequest,
  type GatewayBatchService,
  type GatewayBatchState,
  type NewGatewayBatch,
} from "./surfaces/files-batches/gateway-batch-service.ts";
export type { DecisionTrace } from "./trace/decision-trace.ts";
export type { TraceEmitter } from "./trace/trace-emitter.ts";
// What a plane opened with `fleet` wrote ahead and has not shipped, for a lookup after a crash.
export {
  writeAheadAnswer,
  writeAheadHoldsAnything,
  writeAheadSegmentFiles,
} from "./trace/wal-directory.ts";
export { drainWriteAheadLog } from "./trace/wal-emitter.ts";

export interface InProcessDataPlaneOptions {
  /** Names the plane in its traces and budget keys. */
  nodeId: string;
  /** What it serves, as the publisher compiles it; credentials sealed with `secretBox`. */
  snapshot: SnapshotBody;
  secretBox: SecretBox;
  /** Where its decision traces go (nothing else sees them). */
  traces: TraceEmitter;
  /** Uniform in [0, 1), for latency exploration; seed it for repeatable runs. */
  random: () => number;
  /**
   * Where stored responses and the like go: a bus's store to share them with the fleet
   * (`bus.state`); by default a store of the plane's own that nothing else reads.
   */
  state?: StateStore;
  /**
   * Makes the plane's traffic the fleet's traffic (the gateway's batch worker): its spend goes
   * out as spend deltas and the budgets' totals come in over `bus`, so every budget holds for
   * it as for a node; each trace is written ahead to `traceDirectory` and shipped to the
   * warehouse like a node's, after `traces` has seen it (which may add to it, e.g. `batch_id`).
   * The directory is the plane's while it is open; one a live plane of this or another process
   * holds makes this one write to a `writer-<n>` subdirectory of it (wal-directory.ts), so two
   * planes on one directory never ship each other's segments.
   */
  fleet?: { bus: Bus; traceDirectory: string; log: (message: string) => void };
  /**
   * With `fleet`: a request carrying `X-Request-Id` has its answer's body written ahead in the
   * same line as its request-log row (the gateway's batch plane: a line answered just before a
   * crash is restored from there, docs/batches-and-files.md "Restarts"). The row waits, with the
   * request's spend held back from the bus, until `handle` has read the body; so a crash loses
   * row, answer and spend together or keeps them together.
   */
  answersWrittenAhead?: boolean;
  /**
   * The fleet's budget totals to start from, as the control plane broadcasts them (a dry run
   * checks the snapshot's budgets against them); without it, and without `fleet`, budgets see no
   * totals and their state counts as stale.
   */
  budgetState?: BudgetState;
  /** Who keeps and runs gateway batches (the control plane's); without it they are refused. */
  gatewayBatches?: GatewayBatchService;
}

/**
 * A data plane without a fleet: no port, no bus, no snapshot cache, no trace log. It serves the
 * snapshot it was opened with for as long as it lives, and spends against a budget ledger of its
 * own that no other node sees and that holds no budget the snapshot does not name.
 */
export interface InProcessDataPlane {
  /** One HTTP request through the data plane's own app: surfaces, keys, budgets, routing, adapters, cost, trace. */
  handle(request: Request): Promise<Response>;
  /** The snapshot it serves, compiled. */
  readonly runtime: RuntimeConfig;
  /** Its upstream health, fed by every attempt it makes. */
  readonly health: HealthTracker;
  /** The plan a request of `key` for `model` would get now, over its snapshot and its health. */
  plan(key: RuntimeApiKey, model: string, input: Omit<RoutingInput, "health">): RoutePlan;
  /**
   * The answer of `requestId` kept beside its log (`answersWrittenAhead`: one too large to travel
   * beside its row) deleted, once the caller has recorded it; a no-op for any other.
   */
  forgetAnswer(requestId: string): void;
  /** Sends what spend and traces it still holds (a plane opened with `fleet`) and stops. */
  close(): Promise<void>;
}

export type OpenedDataPlane =
  | { opened: true; plane: InProcessDataPlane }
  | { opened: false; reason: string };

/** Opens a data plane over `options.snapshot`; the reason when the snapshot does not load. */
export function openInProcessDataPlane(options: InProcessDataPlaneOptions): OpenedDataPlane {
  const loader = new SnapshotLoader({ secretBox: options.secretBox });
  const applied = loader.apply(sealSnapshot(1, options.snapshot));
  const runtime = loader.current;
  if (!applied.applied || !runtime)
    return { opened: false, reason: applied.applied ? "no snapshot" : applied.reason };
  const fleet = options.fleet;
  const wal = fleet
    ? new WalTraceEmitter({
        directory: fleet.traceDirectory,
        directoryInUse: "subdirectory",
        bus: () => fleet.bus,
        log: fleet.log,
      })
    : null;
  const budgets = new BudgetLedger({ nodeId: options.nodeId });
  // Requests in `handle` whose row waits for their answer, by X-Request-Id.
  const waiting = new Map<string, { trace: DecisionTrace | null; release: () => void }>();
  const keepAnswers = wal !== null && options.answersWrittenAhead === true;
  const traces: TraceEmitter = wal
    ? {
        emit(trace) {
          options.traces.emit(trace);
          const slot =
            trace.client_request_id === undefined
              ? undefined
              : waiting.get(trace.client_request_id);
          if (slot && slot.trace === null) {
            // Settled in the same turn as this emit: no spend message was made of it yet.
            slot.trace = trace;
            slot.release = budgets.holdSpend();
            return;
          }
          wal.emit(trace);
        },
      }
    : options.traces;
  const context = createDataPlaneContext({
    nodeId: options.nodeId,
    loader,
    traces,
    budgets,
    random: options.random,
    ...(options.state ? { state: options.state } : {}),
    // Replayed traffic is not this process's traffic: no metrics, spans or access lines.
    telemetry: false,
  });
  const app = createDataPlaneApp(
    context,
    options.gatewayBatches ? { gatewayBatches: serviceRunner(options.gatewayBatches) } : {},
  );
  if (options.budgetState) context.budgets.applyState(options.budgetState);
  const { health } = context;
  const subscriptions: Promise<Subscription>[] = [];
  if (fleet && wal) {
    wal.start();
    context.budgets.start(() => fleet.bus);
    subscriptions.push(
      fleet.bus.subscribeBudgetState((state) => context.budgets.applyState(state)),
      fleet.bus.subscribeSpendDeltas((delta) => context.budgets.applyPeerDelta(delta)),
    );
  }
  return {
    opened: true,
    plane: {
      async handle(request) {
        const id = keepAnswers ? request.headers.get("x-request-id") : null;
        if (id === null || waiting.has(id)) return app.handle(request);
        const slot = { trace: null as DecisionTrace | null, release: () => {} };
        waiting.set(id, slot);
        let answer: string | undefined;
        try {
          const response = await app.handle(request);
          answer = await response.text();
          return new Response(answer, {
            status: response.status,
            statusText: response.statusText,
            headers: response.headers,
          });
        } finally {
          waiting.delete(id);
          if (slot.trace) (wal as WalTraceEmitter).emit(slot.trace, answer);
          slot.release();
        }
      },
      runtime,
      health,
      plan: (key, model, input) => planRoute(runtime, key, model, { ...input, health }),
      forgetAnswer(requestId) {
        wal?.forgetAnswer(requestId);
      },
      async close() {
        if (!fleet || !wal) return;
        for (const subscription of await Promise.all(subscriptions))
          await subscription.unsubscribe();
        await context.budgets.stop(fleet.bus);
        await wal.stop();
      },
    },
  };
}
