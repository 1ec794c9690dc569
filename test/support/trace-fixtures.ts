// A decision trace as a node finishes one, and a bus that records what the trace log ships: for
// the write-ahead log's tests (trace-wal*.test.ts).
import type { Bus, Subscription, TraceBatch } from "#shared/bus/bus.ts";
import type { TraceRecord } from "#shared/bus/envelopes.ts";
import { chunkTraceLines, decodeTraceLines } from "#shared/bus/trace-lines.ts";
import type { DecisionTrace } from "../../dataplane/trace/decision-trace.ts";

export function trace(id: string, overrides: Partial<DecisionTrace> = {}): DecisionTrace {
  return {
    request_id: id,
    timestamp: Date.parse("2026-11-24T10:15:00Z"),
    node_id: "n1",
    org_id: "org_1",
    project_id: "prj_1",
    key_id: "key_1",
    surface: "openai",
    requested_model: "@prod",
    config: { slug: "prod", version: 3 },
    strategy: "fallback",
    resolved: "config",
    candidates: [],
    attempts: [
      {
        provider: "anthropic",
        model: "claude-haiku-4-5",
        started_ms: 0.1,
        latency_ms: 2000,
        status: "timeout",
      },
      {
        provider: "openai",
        model: "gpt-4o-mini",
        started_ms: 2000.2,
        latency_ms: 412,
        status: 200,
        cost_usd: 0.00031,
      },
    ],
    budgets: [{ name: "team", used_pct: 0.42, action: "none" }],
    ab_variant: null,
    cache: "off",
    warnings: [],
    dry_run: false,
    stream: false,
    fast_path: true,
    user: "u-1",
    conversation_id: null,
    trace_id: "t-1",
    tags: { team: "ml" },
    status: 200,
    usage: {
      inputTokens: 120,
      outputTokens: 40,
      cacheReadTokens: 20,
      cacheWriteTokens: 0,
      reasoningTokens: 5,
    },
    cost_usd: 0.00031,
    latency_ms: 2413,
    ttft_ms: null,
    overhead_ms: 0.07,
    routing_us: 1.5,
    decision: { winner: "gpt-4o-mini", provider: "openai", reason: "fallback chain in order" },
    request: {
      input_tokens: 118,
      has_tools: false,
      has_images: false,
      wants_json: false,
      max_tokens: 256,
      temperature: 0.2,
    },
    ...overrides,
  };
}

export async function waitFor(condition: () => boolean): Promise<void> {
  // Bounded only to catch a hang: delivery is asynchronous but immediate in-process.
  for (let round = 0; round < 500 && !condition(); round++) await Bun.sleep(10);
}

export function fakeBus(fail: () => boolean = () => false) {
  const published: TraceRecord[][] = [];
  const bus = {
    isConnected: () => true,
    maxTraceBytes: () => 1024 * 1024,
    publishTraceLines: async (lines: Uint8Array) => {
      if (fail()) throw new Error("nats: no responders");
      // What a bus takes: whole lines (a torn tail left out), decoded as a consumer would.
      for (const message of chunkTraceLines(lines, 1024 * 1024).messages) {
        const decoded = decodeTraceLines(message);
        if (decoded.unusable > 0) throw new Error(`${decoded.unusable} unusable lines shipped`);
        published.push(decoded.records);
      }
    },
  } as unknown as Bus;
  return { bus, published };
}

/** The request ids a bus's trace consumer receives (each batch acked), in the order received. */
export async function receivedTraceIds(
  bus: Bus,
): Promise<{ received: string[]; subscription: Subscription }> {
  const received: string[] = [];
  const subscription = await bus.consumeTraces(
    async (batch: TraceBatch) => {
      received.push(...batch.records.map((record) => record.request_id));
      await batch.ack();
    },
    { maxBatch: 10, maxWaitMs: 10 },
  );
  return { received, subscription };
}
