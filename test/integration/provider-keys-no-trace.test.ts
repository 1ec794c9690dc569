// A caller's own provider key (X-Modelux-Provider-Key) is never stored, logged or traced: the whole
// embedded stack (data plane, write-ahead trace log, bus, warehouse, PGlite, snapshot cache) is
// driven with two keys, then every byte it wrote (every file under its data dir, the Parquet rows
// read back, its log lines, every response header and body) is searched for them. The request
// log shows the keys' fingerprints and keyed hashes, through the Management API, and the
// analytics report groups by them.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { embeddedSchema, readSettings } from "#shared/env/settings.ts";
import { configureLogging } from "#shared/log.ts";
import { type RunningEmbedded, startEmbedded } from "../../embedded/start.ts";
import { ParquetRows } from "../support/parquet-rows.ts";
import { freePort } from "../support/processes.ts";
import { waitUntil } from "../support/wait.ts";

const OPENAI_KEY = "sk-proj-neverStoredOpenAiKey0123456789abcdefTA0A";
const ANTHROPIC_KEY = "my-own-anthropic-key-0123456789-never-logged";
const KEYS = [OPENAI_KEY, ANTHROPIC_KEY];
const HEADER = "X-Modelux-Provider-Key";

/** Every file under `directory`, recursively. */
function filesUnder(directory: string): string[] {
  return readdirSync(directory, { recursive: true, encoding: "utf8" })
    .map((name) => join(directory, name))
    .filter((path) => statSync(path, { throwIfNoEntry: false })?.isFile() === true);
}

describe("a caller's provider key leaves no trace", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "modelux-byok-"));
  /** Every byte the gateway sent back or printed, as text. */
  const written: string[] = [];
  const originalLog = console.log;
  const originalError = console.error;
  const originalWarn = console.warn;
  let running: RunningEmbedded;
  const requestIds: string[] = [];

  /** fetch for the SDKs that keeps a copy of every answer: status, headers and body. */
  const recordingFetch = async (input: string | URL | Request, init?: RequestInit) => {
    const response = await fetch(input, init);
    const id = response.headers.get("x-modelux-request-id");
    if (id) requestIds.push(id);
    written.push(JSON.stringify([...response.headers]));
    const copy = response.clone();
    void copy.text().then((text) => written.push(text));
    return response;
  };
  const manage = async (path: string, init: RequestInit = {}) => {
    const response = await fetch(`${running.controlPlaneUrl}/manage/v1${path}`, {
      ...init,
      headers: {
        authorization: `Bearer ${running.seed.managementKey}`,
        "content-type": "application/json",
      },
    });
    const text = await response.text();
    written.push(text);
    return JSON.parse(text) as { data: Record<string, unknown> & Array<Record<string, unknown>> };
  };

  beforeAll(async () => {
    const capture = (...parts: unknown[]) => written.push(parts.map(String).join(" "));
    // Every process log line (the access log included) comes here, at every level.
    configureLogging({ level: "trace", format: "json", destination: { write: capture } });
    console.log = capture;
    console.error = capture;
    console.warn = capture;
    running = await startEmbedded(
      readSettings(embeddedSchema, {
        MODELUX_DATA_DIR: dataDir,
        MODELUX_HOST: "127.0.0.1",
        DATAPLANE_PORT: String(freePort()),
        CONTROLPLANE_PORT: String(freePort()),
        SIMULATOR_PORT: String(freePort()),
        MODELUX_ACCESS_LOG: "on",
      }),
    );
    // PGlite's migrations take most of this; a loaded machine has taken 50 s.
  }, 90_000);
  afterAll(async () => {
    configureLogging({ level: "info", format: "json" });
    console.log = originalLog;
    console.error = originalError;
    console.warn = originalWarn;
    rmSync(dataDir, { recursive: true, force: true });
  });

  test("served on the caller's keys, shown by fingerprint, grouped by analytics, found nowhere", async () => {
    const openai = new OpenAI({
      baseURL: `${running.dataPlaneUrl}/openai/v1`,
      apiKey: running.seed.proxyKey,
      maxRetries: 0,
      defaultHeaders: { [HEADER]: OPENAI_KEY },
      fetch: recordingFetch,
    });
    const anthropic = new Anthropic({
      baseURL: `${running.dataPlaneUrl}/anthropic`,
      apiKey: running.seed.proxyKey,
      maxRetries: 0,
      defaultHeaders: { [HEADER]: `anthropic=${ANTHROPIC_KEY}` },
      fetch: recordingFetch,
    });
    const hello = [{ role: "user" as const, content: "Hello!" }];
    await openai.chat.completions.create({ model: "@default", messages: hello });
    const stream = await openai.chat.completions.create({
      model: "@default",
      messages: hello,
      stream: true,
      stream_options: { include_usage: true },
    });
    for await (const _chunk of stream);
    await openai.embeddings.create({ model: "text-embedding-3-small", input: "hello" });
    await anthropic.messages.create({ model: "claude-haiku-4-5", max_tokens: 32, messages: hello });
    await anthropic.messages
      .stream({ model: "claude-haiku-4-5", max_tokens: 32, messages: hello })
      .finalMessage();
    // Refused upstream, its message quoting the key: the answer and the trace are scrubbed.
    await fetch(`${running.simulatorUrl}/_sim/faults`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        model: "gpt-4o-mini",
        status: 400,
        body: { error: { message: `key ${OPENAI_KEY} may not call this`, code: 400 } },
      }),
    });
    const refused = await openai.chat.completions
      .create({ model: "@default", messages: hello })
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(OpenAI.BadRequestError);
    // And one on the org's stored credential, for the null group.
    await new OpenAI({
      baseURL: `${running.dataPlaneUrl}/openai/v1`,
      apiKey: running.seed.proxyKey,
      maxRetries: 0,
      fetch: recordingFetch,
    }).chat.completions.create({ model: "@default", messages: hello });
    expect(requestIds).toHaveLength(7);
    // The write-ahead trace log as it stands (its segments go once shipped, within a second).
    const walFiles = filesUnder(join(dataDir, "dataplane"));
    for (const path of walFiles) written.push(readFileSync(path, "latin1"));

    // The request log, through the Management API, once the warehouse has every row.
    const logs = await waitUntil(
      async () => {
        const page = await manage("/logs?limit=100");
        return page.data.length >= requestIds.length ? page.data : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 200 },
    );
    const byId = new Map(logs.map((row) => [row.request_id as string, row]));
    const fingerprints = requestIds.map((id) => byId.get(id)?.provider_key_fingerprint ?? null);
    expect(fingerprints).toEqual([
      "sk-proj-…TA0A",
      "sk-proj-…TA0A",
      "sk-proj-…TA0A",
      "my-own-a…gged",
      "my-own-a…gged",
      "sk-proj-…TA0A",
      null,
    ]);
    const hashes = new Set(requestIds.map((id) => byId.get(id)?.provider_key_hash));
    expect(hashes.size).toBe(3);
    const detail = await manage(`/logs/${requestIds[0]}`);
    expect(detail.data.provider_key_hash).toMatch(/^[0-9a-f]{64}$/);
    const trace = await manage(`/logs/${requestIds[0]}/trace`);
    expect(trace.data.trace).toMatchObject({
      provider_key: { vendor: "openai", fingerprint: "sk-proj-…TA0A" },
      attempts: [{ provider_key: "sk-proj-…TA0A" }],
    });

    const start = new Date(Date.now() - 3_600_000).toISOString();
    const end = new Date(Date.now() + 3_600_000).toISOString();
    const report = await manage(
      `/analytics/report?start=${start}&end=${end}&granularity=hour&group_by=provider_key`,
    );
    const requestsByKey: Record<string, number> = {};
    for (const point of report.data.series as Array<{ group: string | null; requests: number }>)
      requestsByKey[String(point.group)] =
        (requestsByKey[String(point.group)] ?? 0) + point.requests;
    expect(requestsByKey).toEqual({ "sk-proj-…TA0A": 4, "my-own-a…gged": 2, null: 1 });

    // Everything the stack wrote, once it has stopped and flushed.
    await running.stop({ graceMs: 1000 });
    const rows = new ParquetRows(join(dataDir, "traces"));
    const stored = await rows.query("SELECT * FROM request_logs");
    await rows.close();
    expect(stored.length).toBe(requestIds.length);
    written.push(JSON.stringify(stored, (_key, value) => String(value)));
    const files = filesUnder(dataDir);
    expect(files.some((path) => path.endsWith(".parquet"))).toBe(true);
    for (const key of KEYS) {
      const needle = Buffer.from(key);
      for (const path of files) {
        expect({ path, found: readFileSync(path).includes(needle) }).toEqual({
          path,
          found: false,
        });
      }
      for (const text of written) expect(text.includes(key)).toBe(false);
    }
    // The search sees what it should: the fingerprints were written, and so was the access log.
    expect(written.some((text) => text.includes("sk-proj-…TA0A"))).toBe(true);
    for (const id of requestIds)
      expect(written.some((text) => text.includes(id) && text.includes('"status"'))).toBe(true);
  }, 60_000);
});
