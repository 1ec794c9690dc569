// A plain (non-streamed) answer's request-log row in the write-ahead log, as a data plane writes
// it: group-committed with the rows of the requests answered in the same turn, each in the log
// by the time its response is handed back, and carrying the request's overhead and latency.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeTraceLines } from "#shared/bus/trace-lines.ts";
import { SecretBox } from "#shared/crypto/secret-box.ts";
import { hashKey } from "#shared/ids/ids.ts";
import { sealSnapshot } from "#shared/snapshot/envelope.ts";
import { createDataPlaneContext } from "../../dataplane/context.ts";
import { createDataPlaneApp } from "../../dataplane/server.ts";
import { SnapshotLoader } from "../../dataplane/snapshot/snapshot-loader.ts";
import { WalTraceEmitter } from "../../dataplane/trace/wal-emitter.ts";
import { type RunningSimulator, startSimulator } from "../../simulator/server.ts";

const KEY = "mlx_sk_tracelogtracelogtracelog";
const box = new SecretBox(new Uint8Array(32).fill(3));

describe("a plain answer's row in the write-ahead log", () => {
  let simulator: RunningSimulator;
  let app: ReturnType<typeof createDataPlaneApp>;
  const directory = mkdtempSync(join(tmpdir(), "modelux-trace-log-plain-"));

  /** The rows in the log now, by request id. */
  const rowsOnDisk = () => {
    const rows = new Map<string, Record<string, unknown>>();
    for (const name of readdirSync(directory)) {
      const { records } = decodeTraceLines(readFileSync(join(directory, name)));
      for (const record of records) rows.set(record.request_id, record);
    }
    return rows;
  };

  beforeAll(() => {
    simulator = startSimulator({ port: 0 });
    const loader = new SnapshotLoader({ secretBox: box });
    const applied = loader.apply(
      sealSnapshot(1, {
        orgs: [{ id: "org_t", slug: "t", name: "T" }],
        projects: [{ id: "prj_t", org_id: "org_t", slug: "main", settings: {} }],
        api_keys: [
          {
            id: "key_t",
            org_id: "org_t",
            project_id: "prj_t",
            name: "k",
            key_hash: hashKey(KEY),
            rpm_limit: null,
            expires_at: null,
          },
        ],
        providers: [
          {
            id: "prv_t",
            org_id: "org_t",
            name: "openai",
            vendor: "openai",
            base_url: `${simulator.url}/v1`,
            credential: box.encrypt("sk-sim"),
            options: {},
          },
        ],
        routing_configs: [
          {
            id: "rc_t",
            org_id: "org_t",
            project_id: "prj_t",
            slug: "chain",
            version: 1,
            config: {
              strategy: "fallback",
              attempts: [{ model: "gpt-4o-mini", timeout_ms: 10_000 }, { model: "gpt-4o" }],
            },
          },
        ],
        budgets: [],
      }),
    );
    expect(applied.applied).toBe(true);
    // No bus: nothing ships, so every row stays in the log to be read back.
    const traces = new WalTraceEmitter({ directory, bus: () => null });
    app = createDataPlaneApp(createDataPlaneContext({ nodeId: "wal", loader, traces }));
  });
  afterAll(async () => {
    await simulator.stop();
    rmSync(directory, { recursive: true, force: true });
  });

  const chat = (body: Record<string, unknown>) =>
    app.handle(
      new Request("http://localhost/openai/v1/chat/completions", {
        method: "POST",
        headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
        body: JSON.stringify({ messages: [{ role: "user", content: "hello" }], ...body }),
      }),
    );

  test("each concurrent answer's row is in the log when its response arrives, with its overhead", async () => {
    const seen: Array<{ id: string; present: boolean; header: number }> = [];
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        const response = await chat({ model: "@chain" });
        // Read synchronously, before any other turn of the event loop can write more rows.
        const id = response.headers.get("x-modelux-request-id") ?? "";
        seen.push({
          id,
          present: rowsOnDisk().has(id),
          header: Number(response.headers.get("x-modelux-overhead-ms")),
        });
        expect(response.status).toBe(200);
        await response.arrayBuffer();
      }),
    );
    expect(seen.map((entry) => entry.present)).toEqual(Array(8).fill(true));
    const rows = rowsOnDisk();
    for (const { id, header } of seen) {
      const row = rows.get(id);
      expect(row?.status).toBe(200);
      expect(row?.model).toBe("gpt-4o-mini");
      // Measured before the row was written: a number, at most the header's (taken after it).
      expect(typeof row?.overhead_ms).toBe("number");
      expect(row?.overhead_ms as number).toBeGreaterThan(0);
      expect(row?.overhead_ms as number).toBeLessThanOrEqual(header);
      expect(row?.overhead_ms as number).toBeLessThanOrEqual(row?.latency_ms as number);
      expect(JSON.parse(row?.trace as string).overhead_ms).toBe(row?.overhead_ms);
    }
  });

  test("a failed request's row carries its overhead too: the wall time less the attempts' wait", async () => {
    // Both attempts of the chain wait 100 ms, then fail: the answer is an error, no upstream's.
    for (const model of ["gpt-4o-mini", "gpt-4o"]) {
      for (const fault of [{ stall_ms: 100 }, { status: 500 }]) {
        const armed = await fetch(`${simulator.url}/_sim/faults`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ model, ...fault }),
        });
        expect(armed.ok).toBe(true);
      }
    }
    const failed = await chat({ model: "@chain" });
    expect(failed.status).toBeGreaterThanOrEqual(500);
    await failed.arrayBuffer();
    // Refused before any attempt: a model no provider serves.
    const refused = await chat({ model: "no-such-model" });
    expect(refused.status).toBeGreaterThanOrEqual(400);
    await refused.arrayBuffer();
    const rows = rowsOnDisk();
    for (const response of [failed, refused]) {
      const row = rows.get(response.headers.get("x-modelux-request-id") ?? "");
      expect(row?.status).toBe(response.status);
      expect(typeof row?.overhead_ms).toBe("number");
      expect(row?.overhead_ms as number).toBeGreaterThan(0);
      expect(row?.overhead_ms as number).toBeLessThanOrEqual(row?.latency_ms as number);
    }
    // The two attempts' 100 ms stalls are upstream time, not the gateway's (150 ms: a margin for
    // a timer that fires a little early, not a bound on how fast the machine is).
    const chain = rows.get(failed.headers.get("x-modelux-request-id") ?? "");
    expect(chain?.overhead_ms as number).toBeLessThanOrEqual((chain?.latency_ms as number) - 150);
  });

  test("a stream's row is in the log a turn after the stream ended, its usage and status with it", async () => {
    // Streams that end in the same turn share one write (Generation.finishStream), which lands
    // before the next turn of the event loop: a row never waits on another request.
    const streams = await Promise.all(
      Array.from({ length: 8 }, async () => {
        const response = await chat({
          model: "@chain",
          stream: true,
          stream_options: { include_usage: true },
        });
        expect(response.status).toBe(200);
        const text = await response.text();
        return { id: response.headers.get("x-modelux-request-id") ?? "", text };
      }),
    );
    await new Promise((resolve) => setImmediate(resolve));
    const rows = rowsOnDisk();
    for (const { id, text } of streams) {
      expect(text).toContain("data: [DONE]");
      const row = rows.get(id);
      expect(row?.status).toBe(200);
      expect(row?.stream).toBe(true);
      expect(row?.output_tokens as number).toBeGreaterThan(0);
      expect(row?.cost_estimated).toBe(false);
    }
  });

  test("a trace asked for with the answer (mlx:trace) shows the overhead too", async () => {
    const response = await chat({ model: "@chain", "mlx:trace": true });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { "mlx:trace": { overhead_ms: unknown } };
    expect(typeof body["mlx:trace"].overhead_ms).toBe("number");
  });
});
