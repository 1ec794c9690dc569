// Message shapes on the bus. Writers validate strictly; readers parse leniently
// (unknown fields are kept out of the way, not rejected) so an older node can read a newer peer.
import * as v from "valibot";

const nodeId = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{1,64}$/));
const isoTime = v.pipe(v.string(), v.isoTimestamp());

/** The config snapshot stored under `modelux_config/snapshot`. `body` is checked by `shared/snapshot`. */
export const snapshotEnvelopeSchema = v.object({
  schema_version: v.pipe(v.number(), v.integer(), v.minValue(1)),
  version: v.pipe(v.number(), v.integer(), v.minValue(1)),
  sha256: v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/)),
  created_at: isoTime,
  body: v.record(v.string(), v.unknown()),
});
export type SnapshotEnvelope = v.InferOutput<typeof snapshotEnvelopeSchema>;

export const spendDeltaSchema = v.object({
  node_id: nodeId,
  /** Increases with every message of a node, across restarts; seen ones are dropped. */
  seq: v.pipe(v.number(), v.integer(), v.minValue(0)),
  /**
   * The seq of the node's previous message not yet reported applied, absent when there is none
   * (everything before this one was applied). The control plane applies the message only once
   * its cursor has reached `prev_seq`, so a lost message is never passed by a newer one.
   */
  prev_seq: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0))),
  deltas: v.array(
    v.object({
      budget_id: v.string(),
      period_start: isoTime,
      usd: v.number(),
    }),
  ),
});
export type SpendDelta = v.InferOutput<typeof spendDeltaSchema>;

export const budgetStateSchema = v.object({
  version: v.pipe(v.number(), v.integer(), v.minValue(0)),
  totals: v.array(
    v.object({
      budget_id: v.string(),
      period_start: isoTime,
      usd: v.number(),
    }),
  ),
  /**
   * The highest spend-delta seq applied per node when the totals were read: a node stops
   * counting its own messages up to there (they are in the totals now).
   */
  applied: v.optional(v.record(v.string(), v.number())),
});
export type BudgetState = v.InferOutput<typeof budgetStateSchema>;

/**
 * One data plane's per-key counts for its peers (docs/limits.md): its own cumulative totals per
 * (key, one-minute window), so a message replaces what was heard before from the same process.
 */
export const limitUsageSchema = v.object({
  node_id: nodeId,
  /** The process: a restarted node's counts start beside its old ones, not over them. */
  instance: v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{1,64}$/)),
  /** Increases with every message of an instance; an older one than the last heard is dropped. */
  seq: v.pipe(v.number(), v.integer(), v.minValue(0)),
  usage: v.array(
    v.object({
      key_id: v.string(),
      /** Milliseconds since the epoch, a multiple of the window (60 000 ms). */
      window_start: v.pipe(v.number(), v.integer()),
      requests: v.pipe(v.number(), v.minValue(0)),
      tokens: v.pipe(v.number(), v.minValue(0)),
    }),
  ),
});
export type LimitUsage = v.InferOutput<typeof limitUsageSchema>;

/**
 * One data plane's circuit breakers that are not closed (docs/provider-health.md), sent every
 * few seconds and soon after one changes: the whole list each time, so a message replaces what
 * was heard before from the same node, and a node heard from lately with none listed has every
 * circuit it knows closed.
 */
export const circuitStatesSchema = v.object({
  node_id: nodeId,
  /** The process: a restarted node starts a new sequence. */
  instance: v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{1,64}$/)),
  /** Increases with every message of an instance; an older one than the last heard is dropped. */
  seq: v.pipe(v.number(), v.integer(), v.minValue(0)),
  /** How often the node sends when nothing changes: receivers forget it after a few of these. */
  heartbeat_ms: v.pipe(v.number(), v.integer(), v.minValue(100), v.maxValue(600_000)),
  circuits: v.array(
    v.object({
      org_id: v.string(),
      provider_id: v.string(),
      /** The provider's name, as the request logs name it. */
      provider: v.string(),
      model: v.string(),
      state: v.picklist(["open", "half_open"]),
      /** When the circuit last opened (ms since the epoch, the node's clock). */
      opened_at: v.pipe(v.number(), v.integer()),
      /** How long this opening keeps requests away before a probe. */
      cooldown_ms: v.pipe(v.number(), v.integer(), v.minValue(0)),
    }),
  ),
  /** More circuits were open than one message lists (the first ones are listed). */
  truncated: v.optional(v.boolean()),
});
export type CircuitStates = v.InferOutput<typeof circuitStatesSchema>;

/** Control events take effect on every data plane in under a second. */
export const controlEventSchema = v.variant("type", [
  v.object({ type: v.literal("api_key.revoked"), key_id: v.string(), key_hash: v.string() }),
  v.object({
    type: v.literal("cache.purge"),
    project_id: v.string(),
    config_slug: v.optional(v.string()),
    /** The project's org (the cache is org-scoped); events without one purge nothing. */
    org_id: v.optional(v.string()),
    /** One entry (its key, `e…`) instead of the project's or config's. */
    entry_id: v.optional(v.string()),
    /** Entries written until then are gone (ms since the epoch, the control plane's clock). */
    purged_at: v.optional(v.number()),
  }),
  v.object({ type: v.literal("snapshot.published"), version: v.number() }),
]);
export type ControlEvent = v.InferOutput<typeof controlEventSchema>;
export type ControlEventType = ControlEvent["type"];

/** One request's log row with its decision trace; the full shape is the warehouse's (issue 7). */
export const traceRecordSchema = v.looseObject({
  request_id: v.string(),
  project_id: v.string(),
  org_id: v.string(),
  created_at: isoTime,
});
export type TraceRecord = v.InferOutput<typeof traceRecordSchema>;
