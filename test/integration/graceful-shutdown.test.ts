// Issue 14, point 7: SIGTERM during a live stream. A data plane (a fleet's, and the embedded
// default's) fails /readyz and refuses new connections at once, lets the stream finish with its
// [DONE], exits, and the request log counts the whole answer. The simulator paces the answer so
// the signal lands mid-stream; nothing here depends on how long anything takes.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startFleet } from "../support/fleet.ts";
import { ParquetRows } from "../support/parquet-rows.ts";
import { type ChildProcess, freePort, spawnChild } from "../support/processes.ts";
import { servicesAbsent } from "../support/services.ts";
import { waitUntil } from "../support/wait.ts";

const directories: string[] = [];
const temporaryDirectory = (name: string) => {
  const directory = mkdtempSync(join(tmpdir(), `modelux-${name}-`));
  directories.push(directory);
  return directory;
};
afterAll(() => {
  for (const directory of directories) rmSync(directory, { recursive: true, force: true });
});

/** Every model the simulator serves answers at 15 tokens a second: 20–80 tokens take seconds. */
async function slowSimulator(simulatorUrl: string): Promise<void> {
  const response = await fetch(`${simulatorUrl}/_sim/profiles`, {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify([{ name: "slow", models: ["*"], ttft_ms: 0, tokens_per_second: 15 }]),
  });
  expect(response.status).toBe(200);
}

interface OpenStream {
  requestId: string;
  /** Reads to the end; the raw SSE text. */
  rest(): Promise<string>;
}

/** Starts a streamed chat completion and returns once `events` SSE events have arrived. */
async function openStream(
  url: string,
  key: string,
  model: string,
  events: number,
): Promise<OpenStream> {
  const response = await fetch(`${url}/openai/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({
      model,
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: "user", content: "Tell me a long story about a lighthouse keeper." }],
    }),
  });
  expect(response.status).toBe(200);
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let text = "";
  while (text.split("\n\n").length - 1 < events) {
    const { done, value } = await reader.read();
    if (done) throw new Error(`the stream ended early: ${text}`);
    text += decoder.decode(value, { stream: true });
  }
  return {
    requestId: response.headers.get("x-modelux-request-id") ?? "",
    async rest() {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return text;
        text += decoder.decode(value, { stream: true });
      }
    },
  };
}

/** The completion tokens of the stream's usage chunk. */
function streamedUsage(text: string): number {
  for (const event of text.split("\n\n")) {
    const data = event.replace(/^data: /, "");
    if (!data.startsWith("{")) continue;
    const chunk = JSON.parse(data) as { usage?: { completion_tokens: number } | null };
    if (chunk.usage) return chunk.usage.completion_tokens;
  }
  throw new Error(`no usage chunk in ${text}`);
}

/** SIGTERM the child mid-stream and check what the issue asks of the node meanwhile. */
async function terminateMidStream(
  child: ChildProcess,
  dataPlaneUrl: string,
  stream: OpenStream,
): Promise<string> {
  child.process.kill("SIGTERM");
  await waitUntil(() => child.output().includes("draining"), {
    timeoutMs: 10_000,
    message: "the node did not start draining",
  });
  // Ready no more: refused (the listener is closed) or, over a kept-alive connection, 503.
  const ready = await fetch(`${dataPlaneUrl}/readyz`).then(
    (response) => response.status,
    () => "refused",
  );
  expect([503, "refused"]).toContain(ready);
  const port = Number(new URL(dataPlaneUrl).port);
  const connected = await Bun.connect({ hostname: "127.0.0.1", port, socket: { data() {} } }).then(
    (socket) => {
      socket.end();
      return "accepted";
    },
    () => "refused",
  );
  expect(connected).toBe("refused");

  const text = await stream.rest();
  expect(text).toContain("data: [DONE]");
  expect(text).not.toContain('"error"');
  expect(await child.process.exited).toBe(0);
  return text;
}

async function requestLogRow(root: string, requestId: string) {
  const rows = new ParquetRows(root);
  try {
    return await waitUntil(
      async () => {
        const found = await rows.query(
          "SELECT status, output_tokens, cost_usd FROM request_logs WHERE request_id = $id",
          { id: requestId },
        );
        return found[0];
      },
      { timeoutMs: 30_000, intervalMs: 200, message: `no request-log row for ${requestId}` },
    );
  } finally {
    await rows.close();
  }
}

describe.skipIf(servicesAbsent)("SIGTERM during a live stream", () => {
  test("a fleet data plane drains: readyz fails, no new connections, the stream ends with [DONE] and is counted in full", async () => {
    const tracesRoot = temporaryDirectory("shutdown-fleet-traces");
    const fleet = await startFleet({
      name: "graceful-shutdown",
      dataPlanes: 1,
      controlEnv: { MODELUX_TRACES_ROOT: tracesRoot },
    });
    try {
      const plane = fleet.dataPlanes[0];
      if (!plane) throw new Error("no data plane");
      await slowSimulator(fleet.simulator.url);
      const stream = await openStream(plane.url, fleet.tenant.proxyKey, "openai/gpt-4o-mini", 3);
      const text = await terminateMidStream(plane.child, plane.url, stream);
      const outputTokens = streamedUsage(text);
      expect(outputTokens).toBeGreaterThan(3);

      // The row was shipped before the node exited; the control plane writes it.
      const row = await requestLogRow(tracesRoot, stream.requestId);
      expect(row.status).toBe(200);
      expect(Number(row.output_tokens)).toBe(outputTokens);
      expect(Number(row.cost_usd)).toBeGreaterThan(0);
    } catch (error) {
      throw new Error(`${(error as Error).message}\n${fleet.output()}`);
    } finally {
      await fleet.stop();
    }
  }, 120_000);

  test("the embedded default drains the same way", async () => {
    const dataDir = temporaryDirectory("shutdown-embedded");
    const dataPlanePort = freePort();
    const simulatorPort = freePort();
    const child = spawnChild("dev", ["bun", "run", "embedded/main.ts"], {
      MODELUX_DATA_DIR: dataDir,
      MODELUX_HOST: "127.0.0.1",
      DATAPLANE_PORT: String(dataPlanePort),
      CONTROLPLANE_PORT: String(freePort()),
      SIMULATOR_PORT: String(simulatorPort),
    });
    try {
      const key = await waitUntil(() => /proxy key\s+(mlx_sk_\S+)/.exec(child.output())?.[1], {
        timeoutMs: 60_000,
      });
      await slowSimulator(`http://127.0.0.1:${simulatorPort}`);
      const url = `http://127.0.0.1:${dataPlanePort}`;
      const stream = await openStream(url, key, "@default", 3);
      const text = await terminateMidStream(child, url, stream);
      const outputTokens = streamedUsage(text);

      // The embedded warehouse wrote the row before the process exited.
      const row = await requestLogRow(join(dataDir, "traces"), stream.requestId);
      expect(row.status).toBe(200);
      expect(Number(row.output_tokens)).toBe(outputTokens);
    } catch (error) {
      throw new Error(`${(error as Error).message}\n${child.output()}`);
    } finally {
      await child.stop("SIGKILL");
    }
  }, 120_000);
});
