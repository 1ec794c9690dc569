// Parts of gateway-run batches that need no database (docs/batches-and-files.md): a batch created
// from its lines a bounded chunk at a time (and dropped when a line fails), a stopped worker's
// sleep ended at once, attempt ids read back, the rows a dead node wrote ahead found with their
// answers, and the file ids a token count cites.
import { afterEach, describe, expect, test } from "bun:test";
import {
  appendFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Bus } from "#shared/bus/bus.ts";
import { systemClock } from "../../controlplane/batches/clock.ts";
import { parseLineRequestId } from "../../controlplane/batches/kept-answers.ts";
import type { LineExecutor } from "../../controlplane/batches/line-executor.ts";
import {
  warehousePaidLookup,
  writeAheadPaidLookup,
} from "../../controlplane/batches/paid-lookup.ts";
import { runLine } from "../../controlplane/batches/run-line.ts";
import type { BatchWorkerSettings } from "../../controlplane/batches/settings.ts";
import type { BatchStore } from "../../controlplane/batches/store.ts";
import type { GatewayBatchLineRow, GatewayBatchRow } from "../../controlplane/db/schema/index.ts";
import { writeAheadAnswer } from "../../dataplane/in-process.ts";
import { anthropicCitedFileIds } from "../../dataplane/surfaces/anthropic/cited-files.ts";
import {
  createGatewayBatchFrom,
  type GatewayBatchLine,
  type GatewayBatchService,
  type GatewayBatchState,
} from "../../dataplane/surfaces/files-batches/gateway-batch-service.ts";
import type { DecisionTrace } from "../../dataplane/trace/decision-trace.ts";
import { WalTraceEmitter } from "../../dataplane/trace/wal-emitter.ts";
import { killedWalWriter } from "../support/processes.ts";
import { trace } from "../support/trace-fixtures.ts";

const directories: string[] = [];
afterEach(() => {
  for (const directory of directories.splice(0))
    rmSync(directory, { recursive: true, force: true });
});

/** A service that records the calls createGatewayBatchFrom makes. */
function recordingService(appendBytes: number) {
  const calls: string[] = [];
  const chunks: Array<{ first: number; lines: GatewayBatchLine[] }> = [];
  const service = {
    appendBytes,
    async stage() {
      calls.push("stage");
      return { id: "batch_mlx_1" };
    },
    async append(_org: string, _id: string, first: number, lines: GatewayBatchLine[]) {
      calls.push("append");
      chunks.push({ first, lines: [...lines] });
    },
    async commit(_org: string, id: string, total: number) {
      calls.push(`commit ${total}`);
      return { id, counts: { total } } as unknown as GatewayBatchState;
    },
    async discard() {
      calls.push("discard");
    },
  } as unknown as GatewayBatchService;
  return { service, calls, chunks };
}

const header = {
  projectId: "prj_1",
  keyId: "key_1",
  surface: "openai" as const,
  endpoint: "/v1/chat/completions",
  reason: "test",
  inputFileId: null,
  metadata: null,
  deadlineAt: null,
  spendCapUsd: null,
};

async function* lines(count: number, failAt = -1): AsyncGenerator<GatewayBatchLine> {
  for (let index = 0; index < count; index++) {
    if (index === failAt) throw new Error(`line ${index} is bad`);
    yield { customId: `c-${index}`, body: { model: "@x", text: "y".repeat(200) } };
  }
}

describe("createGatewayBatchFrom", () => {
  test("lines go in chunks within the service's bound, in order, then one commit of the count", async () => {
    const { service, calls, chunks } = recordingService(4_096);
    await createGatewayBatchFrom(service, "org_1", header, lines(100));
    expect(calls[0]).toBe("stage");
    expect(calls.at(-1)).toBe("commit 100");
    expect(chunks.length).toBeGreaterThan(1);
    let next = 0;
    for (const chunk of chunks) {
      expect(chunk.first).toBe(next);
      next += chunk.lines.length;
      expect(Buffer.byteLength(JSON.stringify(chunk.lines))).toBeLessThanOrEqual(4_096);
    }
    expect(next).toBe(100);
    expect(chunks.flatMap((chunk) => chunk.lines.map((line) => line.customId))).toEqual(
      Array.from({ length: 100 }, (_, index) => `c-${index}`),
    );
  });

  test("a line that fails midway discards what was staged and throws on; nothing is committed", async () => {
    const { service, calls } = recordingService(4_096);
    const error = await createGatewayBatchFrom(service, "org_1", header, lines(100, 60)).catch(
      (caught) => caught,
    );
    expect((error as Error).message).toBe("line 60 is bad");
    expect(calls).toContain("append");
    expect(calls.at(-1)).toBe("discard");
    expect(calls.some((call) => call.startsWith("commit"))).toBe(false);
  });
});

test("a sleep of the system clock ends when its signal aborts (a stopping worker never waits it out)", async () => {
  const stop = new AbortController();
  const sleeping = systemClock.sleep(3_600_000, stop.signal);
  stop.abort();
  await sleeping;
  // Already aborted: returns at once too.
  await systemClock.sleep(3_600_000, stop.signal);
});

test("an attempt's X-Request-Id read back: line and attempt of that batch only", () => {
  expect(parseLineRequestId("batch_mlx_ab", "batch_mlx_ab-12-3")).toEqual({
    lineIndex: 12,
    attempt: 3,
  });
  expect(parseLineRequestId("batch_mlx_ab", "batch_mlx_abc-12-3")).toBeNull();
  expect(parseLineRequestId("batch_mlx_ab", "batch_mlx_ab-12")).toBeNull();
  expect(parseLineRequestId("batch_mlx_ab", "batch_mlx_ab-x-1")).toBeNull();
  expect(parseLineRequestId("batch_mlx_ab", "batch_mlx_ab-1-2-3")).toBeNull();
});

describe("writeAheadPaidLookup (rows written ahead on this node, not shipped)", () => {
  const batch = {
    id: "batch_mlx_w",
    org_id: "org_1",
    project_id: "prj_1",
    created_at: new Date("2026-11-24T10:00:00Z"),
  } as GatewayBatchRow;
  const row = (id: string, clientRequestId: string, overrides: Partial<DecisionTrace> = {}) =>
    ({
      request_id: id,
      timestamp: Date.parse("2026-11-24T10:15:00Z"),
      node_id: "batch-batch_mlx_w",
      org_id: "org_1",
      project_id: "prj_1",
      key_id: "key_1",
      surface: "openai",
      requested_model: "@nightly",
      config: null,
      strategy: null,
      resolved: "config",
      candidates: [],
      attempts: [],
      budgets: [],
      ab_variant: null,
      cache: "off",
      warnings: [],
      dry_run: false,
      stream: false,
      fast_path: true,
      user: null,
      conversation_id: null,
      trace_id: null,
      tags: {},
      status: 200,
      usage: null,
      cost_usd: 0.002,
      latency_ms: 10,
      ttft_ms: null,
      overhead_ms: 0.1,
      routing_us: 1,
      decision: { winner: "gpt-4o", provider: "openai", reason: "" },
      request: {
        input_tokens: 1,
        has_tools: false,
        has_images: false,
        wants_json: false,
        max_tokens: 16,
        temperature: null,
      },
      batch_id: "batch_mlx_w",
      client_request_id: clientRequestId,
      ...overrides,
    }) as DecisionTrace;

  test("finds the claimed attempts' rows with their answers, in sealed and open segments and other writers' directories; skips other batches, other orgs and a torn line", async () => {
    const root = mkdtempSync(join(tmpdir(), "modelux-paid-"));
    directories.push(root);
    const directory = join(root, batch.id);
    // No bus: every row stays on disk, as on a node killed before shipping.
    const first = new WalTraceEmitter({ directory, bus: () => null });
    first.emit(row("req_a", "batch_mlx_w-0-1"), '{"object":"chat.completion","id":"a"}');
    await first.stop(); // sealed: `.ndjson`
    const second = new WalTraceEmitter({ directory, bus: () => null });
    second.emit(row("req_b", "batch_mlx_w-1-2", { status: 429, cost_usd: 0 }), '{"error":{}}');
    second.emit(row("req_other", "batch_mlx_v-2-1", { batch_id: "batch_mlx_v" }), "{}");
    second.emit(row("req_org", "batch_mlx_w-3-1", { org_id: "org_2" }), "{}");
    second.emit(row("req_plain", "batch_mlx_w-4-1")); // written without an answer
    // The open segment, as a crash leaves it, with a torn last line.
    const open = readdirSync(directory).find((name) => name.endsWith(".open")) as string;
    appendFileSync(join(directory, open), '{"v":3,"n":12,"trace":{"requ');
    // A second plane on the batch while that one lives (another control plane on this data dir):
    // it writes to a directory of its own inside, which the lookup reads too.
    const third = new WalTraceEmitter({
      directory,
      bus: () => null,
      directoryInUse: "subdirectory",
    });
    third.emit(row("req_c", "batch_mlx_w-5-1"), '{"id":"c"}');
    expect(third.directory).toBe(join(directory, "writer-2"));
    const found = await writeAheadPaidLookup((of) => join(root, of.id))(batch, [
      "batch_mlx_w-0-1",
      "batch_mlx_w-1-2",
      "batch_mlx_w-2-1",
      "batch_mlx_w-3-1",
      "batch_mlx_w-4-1",
      "batch_mlx_w-5-1",
    ]);
    expect(Object.fromEntries(found)).toEqual({
      "batch_mlx_w-0-1": {
        requestId: "req_a",
        statusCode: 200,
        costUsd: 0.002,
        answer: '{"object":"chat.completion","id":"a"}',
      },
      "batch_mlx_w-1-2": {
        requestId: "req_b",
        statusCode: 429,
        costUsd: 0,
        answer: '{"error":{}}',
      },
      "batch_mlx_w-4-1": { requestId: "req_plain", statusCode: 200, costUsd: 0.002, answer: null },
      "batch_mlx_w-5-1": {
        requestId: "req_c",
        statusCode: 200,
        costUsd: 0.002,
        answer: '{"id":"c"}',
      },
    });
    // Nothing written ahead for this batch on this node: nothing found.
    expect(
      (await writeAheadPaidLookup((of) => join(root, "none", of.id))(batch, ["batch_mlx_w-0-1"]))
        .size,
    ).toBe(0);
  });
});

describe("an answer too large to travel beside its row (a batch plane's log)", () => {
  const batch = { id: "batch_mlx_big", org_id: "org_1", project_id: "prj_1" } as GatewayBatchRow;
  // A bus that carries 64 KiB (not connected: nothing is shipped) and a 100 kB answer.
  const small = { isConnected: () => false, maxTraceBytes: () => 64 * 1024 } as unknown as Bus;
  const big = `{"id":"chatcmpl-big","content":"${"x".repeat(100_000)}"}`;
  const bigRow = (id: string, clientRequestId: string) =>
    ({
      ...trace(id),
      org_id: "org_1",
      batch_id: batch.id,
      client_request_id: clientRequestId,
    }) as DecisionTrace;

  test("is kept in a file of its own, found by both lookups, deleted once recorded or on a clean stop", async () => {
    const root = mkdtempSync(join(tmpdir(), "modelux-big-answer-"));
    directories.push(root);
    const directory = join(root, batch.id);
    const plane = new WalTraceEmitter({ directory, bus: () => small });
    plane.emit(bigRow("req_big", "batch_mlx_big-0-1"), big);
    plane.emit(bigRow("req_fits", "batch_mlx_big-1-1"), '{"id":"small"}');
    // The row went without it (it would not fit one message); the small one went beside its row.
    expect(readdirSync(join(directory, "answers"))).toEqual(["req_big"]);
    const lookup = writeAheadPaidLookup((of) => join(root, of.id));
    const ids = ["batch_mlx_big-0-1", "batch_mlx_big-1-1"];
    const found = await lookup(batch, ids);
    expect(found.get("batch_mlx_big-0-1")?.answer).toBe(big);
    expect(found.get("batch_mlx_big-1-1")?.answer).toBe('{"id":"small"}');
    // The row shipped and ingested: the warehouse names it, the answer is read from the file.
    const warehouse = {
      batchLineRequests: async () => [
        {
          client_request_id: "batch_mlx_big-0-1",
          request_id: "req_big",
          status: 200,
          cost_usd: 0.1,
        },
      ],
    } as unknown as Parameters<typeof warehousePaidLookup>[0];
    const fromWarehouse = await warehousePaidLookup(warehouse, (of) => join(root, of.id))(
      { ...batch, created_at: new Date() } as GatewayBatchRow,
      ["batch_mlx_big-0-1"],
    );
    expect(fromWarehouse.get("batch_mlx_big-0-1")).toEqual({
      requestId: "req_big",
      statusCode: 200,
      costUsd: 0.1,
      answer: big,
    });
    // Its line recorded: nothing will look it up again.
    plane.forgetAnswer("req_big");
    expect((await lookup(batch, ids)).get("batch_mlx_big-0-1")?.answer).toBeNull();
    plane.emit(bigRow("req_big_2", "batch_mlx_big-2-1"), big);
    expect(writeAheadAnswer(directory, "req_big_2")).toBe(big);
    await plane.stop();
    expect(writeAheadAnswer(directory, "req_big_2")).toBeNull();
    expect(readdirSync(directory).includes("answers")).toBe(false);
  });

  test("an answer that cannot be kept (its file not writable) still leaves the paid row", async () => {
    const root = mkdtempSync(join(tmpdir(), "modelux-big-answer-"));
    directories.push(root);
    const directory = join(root, batch.id);
    mkdirSync(directory, { recursive: true });
    writeFileSync(join(directory, "answers"), "not a directory");
    const lines: string[] = [];
    const plane = new WalTraceEmitter({ directory, bus: () => small, log: (l) => lines.push(l) });
    plane.emit(bigRow("req_big", "batch_mlx_big-0-1"), big);
    const found = await writeAheadPaidLookup((of) => join(root, of.id))(batch, [
      "batch_mlx_big-0-1",
    ]);
    expect(found.get("batch_mlx_big-0-1")).toMatchObject({ requestId: "req_big", answer: null });
    expect(lines.some((line) => line.startsWith("answer of req_big not kept:"))).toBe(true);
    rmSync(join(directory, "answers"));
    await plane.stop();
  });

  test("a dead plane's kept answers move with its rows to the plane that takes them over", async () => {
    const root = mkdtempSync(join(tmpdir(), "modelux-big-answer-"));
    directories.push(root);
    const directory = join(root, batch.id);
    // A second plane of the batch (writer-2), killed with its row and a 100 kB answer on disk.
    await killedWalWriter(join(directory, "writer-2"), ["req_dead"], {
      WAL_WRITER_ANSWER_BYTES: "100000",
      WAL_WRITER_MAX_TRACE_BYTES: String(64 * 1024),
    });
    expect(writeAheadAnswer(directory, "req_dead")).toHaveLength(100_000);
    const next = new WalTraceEmitter({
      directory,
      bus: () => small,
      directoryInUse: "subdirectory",
    });
    expect(next.directory).toBe(directory);
    expect(readdirSync(directory).includes("writer-2")).toBe(false);
    expect(readdirSync(join(directory, "answers"))).toEqual(["req_dead"]);
    expect(writeAheadAnswer(directory, "req_dead")).toHaveLength(100_000);
    await next.stop();
  });
});

test("a line's answer is let go (what its plane kept for it) only once its result is recorded, or it is put back", async () => {
  const events: string[] = [];
  const store = {
    batch: { id: "batch_mlx_r", endpoint: "/v1/chat/completions" },
    finish: async (lineId: string) => void events.push(`finish ${lineId}`),
    retryLater: async (lineId: string) => void events.push(`retry ${lineId}`),
  } as unknown as BatchStore;
  const statuses = [200, 503];
  const executor: LineExecutor = {
    send: async () => {
      await Bun.sleep(1);
      const statusCode = statuses.shift() ?? 200;
      return { requestId: `req_${statusCode}`, statusCode, body: {}, costUsd: 0 };
    },
    recorded: (requestId) => events.push(`recorded ${requestId}`),
    close: async () => {},
  };
  const settings = { maxAttempts: 3, retryBackoffMs: 10 } as BatchWorkerSettings;
  const line = (id: string) =>
    ({ id, line_index: 0, attempts: 1, body: {} }) as GatewayBatchLineRow;
  await runLine(store, executor, line("l1"), settings, systemClock);
  await runLine(store, executor, line("l2"), settings, systemClock);
  expect(events).toEqual(["finish l1", "recorded req_200", "retry l2", "recorded req_503"]);
});

test("the files a token count cites: image and document file sources, tool results included, each once", () => {
  const file = (id: string) => ({ type: "file", file_id: id });
  expect(
    anthropicCitedFileIds({
      model: "claude-sonnet-4-5",
      messages: [
        {
          role: "user",
          content: [
            { type: "document", source: file("file_a") },
            { type: "image", source: file("file_b") },
            { type: "image", source: { type: "base64", media_type: "image/png", data: "" } },
            { type: "text", text: "file_c" },
          ],
        },
        { role: "assistant", content: "plain text" },
        {
          role: "user",
          content: [
            {
              type: "tool_result",
              tool_use_id: "t1",
              content: [
                { type: "image", source: file("file_c") },
                { type: "document", source: file("file_a") },
              ],
            },
          ],
        },
      ],
    }),
  ).toEqual(["file_a", "file_b", "file_c"]);
  expect(anthropicCitedFileIds({ messages: "not a list" })).toEqual([]);
});
