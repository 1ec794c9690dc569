// The bus when everything runs in one process (embedded mode). It keeps the NATS semantics the
// callers rely on, so code tested here behaves the same on a fleet: messages travel as JSON, are
// delivered asynchronously, snapshot versions only go up, and traces are redelivered until acked.
// Encoded trace lines are kept as the bytes they came as, and decoded only by a consumer that
// reads them.
import type { Bus, ConfigStore, Subscription, TraceBatch, TraceConsumerOptions } from "./bus.ts";
import {
  BusUnavailableError,
  StaleSnapshotVersionError,
  TraceRecordsTooLargeError,
} from "./bus.ts";
import {
  budgetStateSchema,
  circuitStatesSchema,
  controlEventSchema,
  limitUsageSchema,
  snapshotEnvelopeSchema,
  spendDeltaSchema,
  type TraceRecord,
  traceRecordSchema,
} from "./envelopes.ts";
import { type InProcessStateOptions, InProcessStateStore } from "./in-process-state-store.ts";
import { deliverSafely, encodeStrict } from "./message-codec.ts";
import {
  chunkTraceLines,
  decodeTraceLines,
  requestIdOfLine,
  traceLinesMessageId,
} from "./trace-lines.ts";

export interface InProcessBusOptions {
  /** How long a delivered trace batch may stay unsettled before it is delivered again. */
  traceAckWaitMs?: number;
  /** The state store's retention per namespace, clock and memory cap. */
  state?: InProcessStateOptions;
}

const DEFAULT_ACK_WAIT_MS = 30_000;
const DEFAULT_CONSUMER_OPTIONS: TraceConsumerOptions = { maxBatch: 100, maxWaitMs: 1000 };
// The JetStream stream's default duplicate window: a record re-sent within it is stored once.
const DUPLICATE_WINDOW_MS = 120_000;
// The largest trace record taken, as NATS's default max_payload: the embedded default behaves as a
// default fleet would, and a record this large is a bug upstream of the bus anyway.
const MAX_TRACE_BYTES = 1024 * 1024;
// A batch whose handler threw is offered again after this pause rather than in a hot loop.
const FAILED_BATCH_RETRY_MS = 1000;

interface QueuedTrace {
  sequence: number;
  /** One record's JSON (publishTraces), or a message of encoded lines (publishTraceLines). */
  payload: string | Uint8Array;
  state: "ready" | "in-flight";
  /** Which delivery holds it while in flight, so a stale timer or nak cannot release a newer one. */
  delivery: number;
}

/** Delivers to a set of handlers later, never inside the publish call, as a network bus would. */
class Topic<T> {
  readonly #handlers = new Set<(message: T) => void>();

  constructor(readonly what: string) {}

  publish(json: string): void {
    for (const handler of this.#handlers) {
      queueMicrotask(() => {
        if (this.#handlers.has(handler)) deliverSafely(handler, JSON.parse(json) as T, this.what);
      });
    }
  }

  subscribe(handler: (message: T) => void): Subscription {
    // Wrapped so the same function subscribed twice gets two independent subscriptions.
    const own = (message: T) => handler(message);
    this.#handlers.add(own);
    return { unsubscribe: async () => void this.#handlers.delete(own) };
  }

  clear(): void {
    this.#handlers.clear();
  }
}

class InProcessConfigStore implements ConfigStore {
  #stored: string | null = null;
  #storedVersion = 0;
  readonly #watchers = new Topic<unknown>("snapshot watch");

  async latest() {
    return this.#stored === null ? null : JSON.parse(this.#stored);
  }

  async put(snapshot: Parameters<ConfigStore["put"]>[0]) {
    const json = encodeStrict(snapshotEnvelopeSchema, snapshot, "snapshot envelope");
    if (this.#stored !== null && this.#storedVersion >= snapshot.version) {
      throw new StaleSnapshotVersionError(this.#storedVersion, snapshot.version);
    }
    this.#stored = json;
    this.#storedVersion = snapshot.version;
    this.#watchers.publish(json);
  }

  async watch(onSnapshot: (snapshot: unknown) => void) {
    return this.#watchers.subscribe(onSnapshot);
  }

  close() {
    this.#watchers.clear();
  }
}

/** One stream with one durable consumer: records stay until acked, whoever is listening. */
class InProcessTraceQueue {
  readonly #queue = new Map<number, QueuedTrace>();
  /** Request ids (publishTraces) and message ids (publishTraceLines) seen, by when. */
  readonly #recentIds = new Map<string, number>();
  readonly #wakers = new Set<() => void>();
  readonly #timers = new Set<ReturnType<typeof setTimeout>>();
  #nextSequence = 1;
  #nextDelivery = 1;

  constructor(readonly ackWaitMs: number) {}

  /** Stores the records; returns those left out as larger than MAX_TRACE_BYTES. */
  publish(records: TraceRecord[]): Array<{ request_id: string; bytes: number }> {
    // Validate all before storing any, so a rejected call stores nothing.
    const encoded = records.map((record) =>
      encodeStrict(traceRecordSchema, record, "trace record"),
    );
    const refused: Array<{ request_id: string; bytes: number }> = [];
    const now = Date.now();
    this.#forgetOldIds(now);
    records.forEach((record, index) => {
      // A UTF-16 unit takes at most 3 bytes of UTF-8: most records need no byte count.
      const json = encoded[index] as string;
      if (json.length * 3 > MAX_TRACE_BYTES && Buffer.byteLength(json) > MAX_TRACE_BYTES) {
        refused.push({ request_id: record.request_id, bytes: Buffer.byteLength(json) });
        return;
      }
      this.#store(record.request_id, json, now);
    });
    this.#wake();
    return refused;
  }

  /**
   * Stores encoded lines as messages of at most MAX_TRACE_BYTES, as they are: no parsing, no
   * validation. Returns the lines left out as longer than a message.
   */
  publishLines(lines: Uint8Array): Array<{ request_id: string; bytes: number }> {
    const { messages, oversized } = chunkTraceLines(lines, MAX_TRACE_BYTES);
    const now = Date.now();
    this.#forgetOldIds(now);
    // Views of the caller's bytes, not copies (Bus.publishTraceLines: the bytes are handed over).
    for (const message of messages) this.#store(traceLinesMessageId(message), message, now);
    this.#wake();
    return oversized.map((line) => ({ request_id: requestIdOfLine(line), bytes: line.byteLength }));
  }

  #store(id: string, payload: string | Uint8Array, now: number): void {
    const seenAt = this.#recentIds.get(id);
    if (seenAt !== undefined && now - seenAt < DUPLICATE_WINDOW_MS) return;
    this.#recentIds.set(id, now);
    const sequence = this.#nextSequence++;
    this.#queue.set(sequence, { sequence, payload, state: "ready", delivery: 0 });
  }

  consume(
    onBatch: (batch: TraceBatch) => Promise<void>,
    options: TraceConsumerOptions,
  ): Subscription {
    let active = true;
    const loop = (async () => {
      while (active) {
        if (this.#readyCount() === 0)
          await this.#sleepUntilWoken(Number.POSITIVE_INFINITY, () => active);
        if (!active) break;
        // A partial batch waits up to maxWaitMs for more records before it is handed over.
        const deadline = Date.now() + options.maxWaitMs;
        while (active && this.#readyCount() < options.maxBatch && Date.now() < deadline) {
          await this.#sleepUntilWoken(deadline - Date.now(), () => active);
        }
        if (!active) break;
        const batch = this.#take(options.maxBatch);
        if (batch === null) continue;
        try {
          await onBatch(batch.batch);
        } catch (error) {
          console.error(`bus: trace batch handler threw: ${(error as Error).message}`);
          batch.releaseAfter(FAILED_BATCH_RETRY_MS);
        }
      }
    })();
    return {
      unsubscribe: async () => {
        active = false;
        this.#wake();
        await loop;
      },
    };
  }

  close(): void {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    this.#wake();
  }

  #readyCount(): number {
    let count = 0;
    for (const entry of this.#queue.values()) if (entry.state === "ready") count++;
    return count;
  }

  #take(maxBatch: number) {
    const taken: QueuedTrace[] = [];
    for (const entry of this.#queue.values()) {
      if (taken.length >= maxBatch) break;
      if (entry.state === "ready") taken.push(entry);
    }
    if (taken.length === 0) return null;
    const delivery = this.#nextDelivery++;
    for (const entry of taken) {
      entry.state = "in-flight";
      entry.delivery = delivery;
    }
    let settled = false;
    let records: TraceRecord[] | undefined;
    const release = () => {
      for (const entry of taken) {
        if (entry.state === "in-flight" && entry.delivery === delivery) entry.state = "ready";
      }
      this.#wake();
    };
    const ackWaitTimer = this.#schedule(this.ackWaitMs, release);
    const settle = () => {
      if (settled) return false;
      settled = true;
      this.#cancel(ackWaitTimer);
      return true;
    };
    const batch: TraceBatch = {
      messages: taken.length,
      // Decoded when first read: a consumer that only acks never parses them.
      get records() {
        records ??= taken.flatMap(decodeEntry);
        return records;
      },
      ack: async () => {
        // Like a late JetStream ack, this removes the records even if the wait already expired.
        if (settle()) for (const entry of taken) this.#queue.delete(entry.sequence);
      },
      nak: async () => {
        if (settle()) release();
      },
    };
    const releaseAfter = (delayMs: number) => {
      if (settle()) this.#schedule(delayMs, release);
    };
    return { batch, releaseAfter };
  }

  #schedule(delayMs: number, run: () => void) {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      run();
    }, delayMs);
    this.#timers.add(timer);
    return timer;
  }

  #cancel(timer: ReturnType<typeof setTimeout>) {
    clearTimeout(timer);
    this.#timers.delete(timer);
  }

  #sleepUntilWoken(timeoutMs: number, stillActive: () => boolean): Promise<void> {
    if (!stillActive()) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.#wakers.delete(done);
        if (timer !== null) this.#cancel(timer);
        resolve();
      };
      const timer = Number.isFinite(timeoutMs)
        ? this.#schedule(Math.max(0, timeoutMs), done)
        : null;
      this.#wakers.add(done);
    });
  }

  #wake(): void {
    for (const waker of [...this.#wakers]) waker();
  }

  #forgetOldIds(now: number): void {
    // Map order is insertion order, which is publish-time order.
    for (const [id, seenAt] of this.#recentIds) {
      if (now - seenAt < DUPLICATE_WINDOW_MS) break;
      this.#recentIds.delete(id);
    }
  }
}

function decodeEntry(entry: QueuedTrace): TraceRecord[] {
  if (typeof entry.payload === "string") return [JSON.parse(entry.payload) as TraceRecord];
  const { records, unusable } = decodeTraceLines(entry.payload);
  // Only a writer's bug gets here: the lines were checked when they were built.
  if (unusable > 0) console.warn(`bus: dropped ${unusable} trace lines that are not records`);
  return records;
}

export function createInProcessBus(options: InProcessBusOptions = {}): Bus {
  const config = new InProcessConfigStore();
  const state = new InProcessStateStore(options.state);
  const spendDeltas = new Topic<Parameters<Bus["publishSpendDelta"]>[0]>("spend delta");
  const budgetStates = new Topic<Parameters<Bus["publishBudgetState"]>[0]>("budget state");
  const limitUsage = new Topic<Parameters<Bus["publishLimitUsage"]>[0]>("limit usage");
  const circuitStates = new Topic<Parameters<Bus["publishCircuitStates"]>[0]>("circuit states");
  const controlEvents = new Topic<Parameters<Bus["publishControl"]>[0]>("control event");
  const traces = new InProcessTraceQueue(options.traceAckWaitMs ?? DEFAULT_ACK_WAIT_MS);
  const consumers = new Set<Subscription>();
  // Servers per request subject, taken in turn (NATS's queue group picks one at random).
  const servers = new Map<string, Array<(body: unknown) => Promise<unknown>>>();
  let turn = 0;
  let closed = false;

  const open = () => {
    if (closed) throw new Error("the in-process bus is closed");
  };

  return {
    kind: "in-process",
    config,
    state,
    async publishSpendDelta(delta) {
      open();
      spendDeltas.publish(encodeStrict(spendDeltaSchema, delta, "spend delta"));
    },
    async subscribeSpendDeltas(onDelta) {
      open();
      return spendDeltas.subscribe(onDelta);
    },
    async publishBudgetState(state) {
      open();
      budgetStates.publish(encodeStrict(budgetStateSchema, state, "budget state"));
    },
    async subscribeBudgetState(onState) {
      open();
      return budgetStates.subscribe(onState);
    },
    async publishLimitUsage(usage) {
      open();
      limitUsage.publish(encodeStrict(limitUsageSchema, usage, "limit usage"));
    },
    async subscribeLimitUsage(onUsage) {
      open();
      return limitUsage.subscribe(onUsage);
    },
    async publishCircuitStates(states) {
      open();
      circuitStates.publish(encodeStrict(circuitStatesSchema, states, "circuit states"));
    },
    async subscribeCircuitStates(onStates) {
      open();
      return circuitStates.subscribe(onStates);
    },
    async request(subject, body) {
      open();
      const handlers = servers.get(subject) ?? [];
      const handler = handlers[turn++ % Math.max(1, handlers.length)];
      if (!handler) throw new BusUnavailableError(`nobody serves ${subject}`);
      // Copies in and out, as a wire would: neither side keeps the other's objects.
      const reply = await handler(JSON.parse(JSON.stringify(body ?? null)));
      return JSON.parse(JSON.stringify(reply ?? null)) as unknown;
    },
    async serveRequests(subject, handler) {
      open();
      const handlers = servers.get(subject) ?? [];
      servers.set(subject, [...handlers, handler]);
      return {
        unsubscribe: async () => {
          servers.set(
            subject,
            (servers.get(subject) ?? []).filter((served) => served !== handler),
          );
        },
      };
    },
    async publishTraces(records) {
      open();
      const refused = traces.publish(records);
      if (refused.length > 0) throw new TraceRecordsTooLargeError(refused);
    },
    async publishTraceLines(lines) {
      open();
      const refused = traces.publishLines(lines);
      if (refused.length > 0) throw new TraceRecordsTooLargeError(refused);
    },
    maxTraceBytes: () => MAX_TRACE_BYTES,
    async consumeTraces(onBatch, consumerOptions) {
      open();
      const subscription = traces.consume(onBatch, {
        ...DEFAULT_CONSUMER_OPTIONS,
        ...consumerOptions,
      });
      consumers.add(subscription);
      return {
        unsubscribe: async () => {
          consumers.delete(subscription);
          await subscription.unsubscribe();
        },
      };
    },
    async publishControl(event) {
      open();
      controlEvents.publish(encodeStrict(controlEventSchema, event, "control event"));
    },
    async subscribeControl(onEvent) {
      open();
      return controlEvents.subscribe(onEvent);
    },
    isConnected: () => !closed,
    // Nothing to lose: the bus lives as long as the process.
    onRecovered: () => () => {},
    async close() {
      if (closed) return;
      closed = true;
      // Stop the consumers first so no batch handler starts after close resolves.
      const stopping = [...consumers].map((subscription) => subscription.unsubscribe());
      consumers.clear();
      traces.close();
      await Promise.all(stopping);
      config.close();
      state.close();
      spendDeltas.clear();
      budgetStates.clear();
      limitUsage.clear();
      circuitStates.clear();
      controlEvents.clear();
    },
  };
}
