// The bus contract (DESIGN §8). Two implementations: NATS/JetStream for a fleet,
// in-process for the embedded default. Both pass test/support/bus-contract.ts.
import type {
  BudgetState,
  CircuitStates,
  ControlEvent,
  LimitUsage,
  SnapshotEnvelope,
  SpendDelta,
  TraceRecord,
} from "./envelopes.ts";
import type { StateStore } from "./state-store.ts";

export interface Subscription {
  /** Stops delivery; resolves once no handler will run again. */
  unsubscribe(): Promise<void>;
}

/**
 * A delivered batch of trace records; ack once they are durable, nak to get them again. The
 * records are decoded from their messages when first read: a consumer that only acks (or
 * forwards) never parses them.
 */
export interface TraceBatch {
  readonly records: TraceRecord[];
  /** Messages delivered (at most the consumer's maxBatch; fewer: the stream had no more now). */
  readonly messages: number;
  ack(): Promise<void>;
  nak(): Promise<void>;
}

export interface TraceConsumerOptions {
  /**
   * Most messages handed over in one batch. A message holds one record (publishTraces) or the
   * rows of one chunk of encoded lines (publishTraceLines), so a batch may hold more records.
   */
  maxBatch: number;
  /** Longest a partial batch waits before it is handed over. */
  maxWaitMs: number;
}

export interface ConfigStore {
  /** The newest snapshot, or null when none was ever written. */
  latest(): Promise<SnapshotEnvelope | null>;
  /** Stores a snapshot as the newest. Refuses a version not greater than the stored one. */
  put(snapshot: SnapshotEnvelope): Promise<void>;
  /**
   * Calls `onSnapshot` with every snapshot written after the call, in order.
   * The value delivered is the raw stored JSON, parsed but not validated: readers check it.
   */
  watch(onSnapshot: (snapshot: unknown) => void): Promise<Subscription>;
}

export interface Bus {
  readonly kind: "nats" | "in-process";
  readonly config: ConfigStore;
  /**
   * The shared, org-scoped state store (stored responses, file and batch owners, cache entries):
   * what one data plane puts, every data plane reads. Calls reject with BusUnavailableError when
   * the bus cannot answer now (bounded, never queued for a reconnect).
   */
  readonly state: StateStore;

  publishSpendDelta(delta: SpendDelta): Promise<void>;
  /** Receives the deltas of every node. */
  subscribeSpendDeltas(onDelta: (delta: SpendDelta) => void): Promise<Subscription>;

  publishBudgetState(state: BudgetState): Promise<void>;
  subscribeBudgetState(onState: (state: BudgetState) => void): Promise<Subscription>;

  /** A data plane's per-key limit counts for its peers (core, at most once: totals heal loss). */
  publishLimitUsage(usage: LimitUsage): Promise<void>;
  /** Receives every node's counts, this node's own included. */
  subscribeLimitUsage(onUsage: (usage: LimitUsage) => void): Promise<Subscription>;

  /**
   * A data plane's circuit breakers that are not closed, for the control planes' provider health
   * (core, at most once: the next heartbeat carries the whole list again).
   */
  publishCircuitStates(states: CircuitStates): Promise<void>;
  /** Receives every node's circuit states. */
  subscribeCircuitStates(onStates: (states: CircuitStates) => void): Promise<Subscription>;

  /**
   * Resolves when the stream has stored every record (at-least-once from here on). Rejects with
   * TraceRecordsTooLargeError, after storing all the others, when some records are larger than
   * one message may be (maxTraceBytes): those will never be taken, so they must not be retried.
   */
  publishTraces(records: TraceRecord[]): Promise<void>;
  /**
   * Publishes rows already encoded and checked by their writer: `lines` is NDJSON of trace lines
   * (trace-lines.ts), one row a line. The bus carries these bytes as they are, in as few messages
   * as maxTraceBytes allows (lines are never split), and neither parses, validates nor
   * serializes them again. Resolves when the stream has stored every message; the same bytes
   * published again within the duplicate window are stored once (a resend after a crash).
   * Bytes after the last newline (a torn write) are left out. The bytes are handed over: the
   * caller must not change them afterwards (the in-process bus keeps views of them, not copies).
   * Rejects with
   * TraceRecordsTooLargeError, after storing all the rest, naming lines longer than a message.
   */
  publishTraceLines(lines: Uint8Array): Promise<void>;
  /** The largest message the bus carries, in bytes (NATS: the server's max_payload). */
  maxTraceBytes(): number;
  /**
   * Delivers stored records in batches to one durable consumer. A batch neither acked nor
   * nakked within the ack wait, or nakked, is delivered again.
   */
  consumeTraces(
    onBatch: (batch: TraceBatch) => Promise<void>,
    options?: Partial<TraceConsumerOptions>,
  ): Promise<Subscription>;

  /**
   * Resolves once the server has passed the event on to every subscriber; rejects with
   * BusUnavailableError when it cannot (not connected, no confirmation in time), never queueing it.
   */
  publishControl(event: ControlEvent): Promise<void>;
  subscribeControl(onEvent: (event: ControlEvent) => void): Promise<Subscription>;

  /**
   * One request to one server of `subject` (several servers share the requests, each reaching
   * one), resolved with its reply. Bodies are JSON values the subject's users validate. Rejects
   * with BusUnavailableError when nobody serves the subject or no reply comes within `timeoutMs`.
   */
  request(subject: string, body: unknown, timeoutMs: number): Promise<unknown>;
  /** Answers requests on `subject` with what `handler` resolves to (a rejection: no reply). */
  serveRequests(
    subject: string,
    handler: (body: unknown) => Promise<unknown>,
  ): Promise<Subscription>;

  /**
   * True while the bus can deliver: connected, and after a reconnect what it keeps on the server
   * checked and recreated if the server lost it (always true in-process).
   */
  isConnected(): boolean;
  /**
   * Calls `listener` each time the bus is usable again after losing its connection, once the
   * config bucket, the state buckets in use and the trace stream are back (never in-process).
   * Returns a function removing it.
   */
  onRecovered(listener: () => void): () => void;
  close(): Promise<void>;
}

export class StaleSnapshotVersionError extends Error {
  constructor(
    readonly stored: number,
    readonly offered: number,
  ) {
    super(`snapshot version ${offered} is not newer than the stored version ${stored}`);
    this.name = "StaleSnapshotVersionError";
  }
}

/** Records the bus refused as larger than one message may be; every other record was stored. */
export class TraceRecordsTooLargeError extends Error {
  constructor(readonly refused: Array<{ request_id: string; bytes: number }>) {
    super(`${refused.length} trace records are larger than the bus carries`);
    this.name = "TraceRecordsTooLargeError";
  }
}

/** The bus cannot take a message now (NATS unreachable); nothing was queued for later. */
export class BusUnavailableError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "BusUnavailableError";
  }
}
