// Experiments over traffic that really went through a data plane: the embedded stack (PGlite,
// in-process bus, the provider simulator, the trace ingester) serves requests for the seeded
// @fallback config, the warehouse stores them, the control plane's runner replays a
// cost_optimized candidate over them, and promoting it changes what the data plane serves
// within a second.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance, VARCHAR } from "@duckdb/node-api";
import { embeddedSchema, readSettings } from "#shared/env/settings.ts";
import { lookupModel } from "#shared/pricing/catalog.ts";
import { type RunningEmbedded, startEmbedded } from "../../embedded/start.ts";
import type { Json } from "../support/management.ts";
import { freePort } from "../support/processes.ts";

const CANDIDATE = {
  strategy: "cost_optimized",
  quality_tier: "low",
  allowed_models: ["gpt-4o-mini", "gpt-4.1-nano"],
};
const REQUESTS = 24;

describe("experiments over traffic served by the embedded stack", () => {
  let dataDir: string;
  let embedded: RunningEmbedded;
  const began = new Date(Date.now() - 60_000);

  const manage = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${embedded.controlPlaneUrl}/manage/v1${path}`, {
      method,
      headers: {
        authorization: `Bearer ${embedded.seed.managementKey}`,
        "content-type": "application/json",
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Json };
  };
  const chat = async (index: number) => {
    const response = await fetch(`${embedded.dataPlaneUrl}/openai/v1/chat/completions`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${embedded.seed.proxyKey}`,
        "content-type": "application/json",
      },
      body: JSON.stringify({
        model: "@fallback",
        messages: [
          {
            role: "user",
            content: `Question ${index}: ${"why is the sky blue? ".repeat(index + 1)}`,
          },
        ],
        ...(index % 3 === 0 ? { max_tokens: 300 } : {}),
        "mlx:trace": true,
      }),
    });
    expect(response.status).toBe(200);
    return (await response.json()) as { "mlx:trace": { decision: { winner: string } } };
  };

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "modelux-experiments-embedded-"));
    embedded = await startEmbedded(
      readSettings(embeddedSchema, {
        MODELUX_DATA_DIR: dataDir,
        MODELUX_HOST: "127.0.0.1",
        DATAPLANE_PORT: String(freePort()),
        CONTROLPLANE_PORT: String(freePort()),
        SIMULATOR_PORT: String(freePort()),
        MODELUX_MANAGEMENT_RPM: "1000",
        // The publisher's safety-net poll off: a change that arrives came by the push alone.
        MODELUX_SNAPSHOT_POLL_MS: "3600000",
      }),
      { quiet: true },
    );
  }, 30_000);

  afterAll(async () => {
    await embedded?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  test("a cost_optimized candidate replayed over served traffic, then promoted and served", async () => {
    for (let index = 0; index < REQUESTS; index++)
      expect((await chat(index))["mlx:trace"].decision.winner).toBe("gpt-4o");
    const rows = await storedRows(join(dataDir, "traces"), REQUESTS);

    const created = await manage("POST", "/experiments", {
      name: "nano for everything",
      project_id: embedded.seed.projectId,
      baseline_config: "fallback",
      candidate_config: CANDIDATE,
      window_start: began.toISOString(),
      window_end: new Date(Date.now() + 60_000).toISOString(),
      success_criteria: { predicates: [{ metric: "cost_delta_pct", op: "lt", value: 0 }] },
    });
    expect(created.status).toBe(202);
    const experiment = await waitFor(async () => {
      const got = await manage("GET", `/experiments/${created.body.data.id}`);
      return ["completed", "failed"].includes(got.body.data.status) ? got.body.data : null;
    }, 15_000);
    expect(experiment).toMatchObject({ status: "completed", verdict: "pass" });

    // Independently: gpt-4.1-nano is the cheapest eligible model for every request, and it did
    // not run in the window, so the recorded tokens are priced at its rates (ratio 1).
    const nano = lookupModel("openai", "gpt-4.1-nano").price;
    const baseline = rows.reduce((sum, row) => sum + row.cost_usd, 0);
    const candidate = rows.reduce(
      (sum, row) => sum + row.input_tokens * nano.input + row.output_tokens * nano.output,
      0,
    );
    expect(experiment.baseline_summary.requests).toBe(REQUESTS);
    expect(experiment.baseline_summary.cost_usd).toBeCloseTo(baseline, 9);
    expect(experiment.candidate_summary.cost_usd).toBeCloseTo(candidate, 9);
    expect(experiment.comparison.cost_delta_pct).toBeCloseTo(
      ((candidate - baseline) / baseline) * 100,
      4,
    );
    expect(experiment.baseline_summary.routes).toEqual([
      { model: "gpt-4o", provider: rows[0]?.provider, requests: REQUESTS, share: 1 },
    ]);
    expect(experiment.candidate_summary.routes).toEqual([
      { model: "gpt-4.1-nano", provider: rows[0]?.provider, requests: REQUESTS, share: 1 },
    ]);
    expect(experiment.notes.unobserved_models).toEqual([`${rows[0]?.provider}/gpt-4.1-nano`]);

    const promoted = await manage("POST", `/experiments/${experiment.id}/promote`, {});
    expect(promoted.status).toBe(200);
    // Served by the promotion's own push (the poll is off); the bound is for a hang.
    await waitFor(
      async () => ((await chat(0))["mlx:trace"].decision.winner === "gpt-4.1-nano" ? true : null),
      10_000,
    );
  }, 60_000);
});

async function waitFor<T>(probe: () => Promise<T | null>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error("timed out");
    await Bun.sleep(25);
  }
}

interface StoredRow {
  provider: string;
  cost_usd: number;
  input_tokens: number;
  output_tokens: number;
}

/** The rows the ingester has written so far, once there are `count` of them. */
async function storedRows(root: string, count: number): Promise<StoredRow[]> {
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  try {
    return await waitFor(async () => {
      const files = readdirSync(root, { recursive: true, withFileTypes: true }).filter((entry) =>
        entry.name.endsWith(".parquet"),
      );
      if (files.length === 0) return null;
      const reader = await connection.runAndReadAll(
        `SELECT provider, cost_usd, input_tokens::DOUBLE AS input_tokens,
                output_tokens::DOUBLE AS output_tokens
         FROM read_parquet($files, union_by_name = true)`,
        { files: `${root}/project_id=*/**/*.parquet` },
        { files: VARCHAR },
      );
      const rows = reader.getRowObjectsJS() as unknown as StoredRow[];
      return rows.length >= count ? rows : null;
    }, 15_000);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}
