// The CLI's everyday verbs against a control plane with a request-log warehouse: `logs tail`
// (the newest, then what arrives while it polls), `trace`, `keys create`, `experiments run`.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Io } from "../../cli/io.ts";
import { run } from "../../cli/run.ts";
import { startExperimentRunner } from "../../controlplane/experiments/runner.ts";
import {
  type Json,
  type ManagementHarness,
  startManagementHarness,
  testSecretBox,
} from "../support/management.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";
import { requestLogRow, writeRequestLogs } from "../support/request-logs.ts";
import { servicesAbsent } from "../support/services.ts";

describe.skipIf(servicesAbsent)("modelux CLI: everyday verbs", () => {
  let database: TestDatabase;
  let harness: ManagementHarness;
  let root: string;
  const rowFor = (minutesAgo: number, overrides: Record<string, unknown> = {}) =>
    requestLogRow({
      created_at: new Date(Date.now() - minutesAgo * 60_000).toISOString(),
      project_id: harness.org.projectId,
      org_id: harness.org.orgId,
      ...overrides,
    });

  async function cli(argv: string[], extra: Partial<Io> = {}) {
    let out = "";
    let err = "";
    const code = await run([...argv, "--url", harness.url, "--key", harness.org.keys.owner], {
      env: {},
      out: (text) => {
        out += text;
      },
      err: (text) => {
        err += text;
      },
      ...extra,
    });
    return { code, out, err };
  }

  beforeAll(async () => {
    database = await createTestDatabase();
    root = mkdtempSync(join(tmpdir(), "modelux-cli-logs-"));
    harness = await startManagementHarness(database.handle, {
      tracesRoot: root,
      env: { MODELUX_MANAGEMENT_RPM: "100000" },
    });
  });
  afterAll(async () => {
    await harness?.stop();
    await database?.drop();
    rmSync(root, { recursive: true, force: true });
  });

  test("logs tail prints the newest requests oldest first, then each new one once", async () => {
    const rows = [rowFor(3), rowFor(2, { model: "gpt-4o", cost_usd: 0.5 }), rowFor(1)];
    await writeRequestLogs(root, rows);
    const once = await cli(["logs", "tail", "--once", "--lines", "2"]);
    expect(once.code).toBe(0);
    const lines = once.out.trim().split("\n");
    expect(lines.map((line) => line.split(" ").at(-1))).toEqual([
      rows[1]?.request_id,
      rows[2]?.request_id,
    ]);
    expect(lines[0]).toContain("200 gpt-4o-mini openai/gpt-4o");
    expect(lines[0]).toContain("$0.500000");

    // Following: a row arrives between two polls and is printed once; then Ctrl-C.
    const controller = new AbortController();
    const late = rowFor(0);
    let polls = 0;
    const following = await cli(["logs", "tail", "--lines", "1"], {
      signal: controller.signal,
      sleep: async () => {
        polls++;
        if (polls === 1) await writeRequestLogs(root, [late]);
        if (polls === 3) controller.abort();
      },
    });
    expect(following.code).toBe(0);
    expect(
      following.out
        .trim()
        .split("\n")
        .map((line) => line.split(" ").at(-1)),
    ).toEqual([rows[2]?.request_id, late.request_id]);
  });

  test("trace prints one request's decision trace", async () => {
    const row = rowFor(5, {
      trace: JSON.stringify({
        candidates: [],
        attempts: [],
        decision: { reason: "cheapest fits" },
      }),
    });
    await writeRequestLogs(root, [row]);
    const result = await cli(["trace", row.request_id]);
    expect(result.code).toBe(0);
    expect(result.out).toContain("reason: cheapest fits");
    const json = await cli(["trace", row.request_id, "--json"]);
    expect(JSON.parse(json.out).trace.decision.reason).toBe("cheapest fits");
    const missing = await cli(["trace", crypto.randomUUID()]);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain("not found");
  });

  test("keys create prints the key alone on stdout, and it is the project's", async () => {
    const result = await cli(["keys", "create", "--project", "main", "--name", "ci-bot"]);
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/^mlx_sk_\S+\n$/);
    const keys = (await harness.rest("GET", "/api-keys")).body.data as Json[];
    const created = keys.find((key) => key.name === "ci-bot");
    expect(created?.project_id).toBe(harness.org.projectId);
    expect(result.out).toStartWith(created?.prefix);
    const usage = await cli(["keys", "create", "--project", "nope", "--name", "x"]);
    expect(usage.code).toBe(64);
    expect(usage.err).toContain("no project nope");
  });

  test("experiments run waits for the verdict and prints it", async () => {
    const saved = await harness.rest("POST", "/routing-configs", {
      body: {
        project_id: harness.org.projectId,
        slug: "default",
        config: { strategy: "single", model: "gpt-4o-mini" },
      },
    });
    expect(saved.status).toBe(201);
    await writeRequestLogs(
      root,
      [0, 1, 2, 3].map((minutes) =>
        rowFor(10 + minutes, { config_slug: "default", config_version: 1 }),
      ),
    );
    // The runner moves only when woken: each of the CLI's waits lets it take the queue.
    const runner = startExperimentRunner({
      db: database.handle.db,
      root,
      log: () => {},
      pollMs: 3_600_000,
      secretBox: testSecretBox,
    });
    let polls = 0;
    const result = await cli(
      [
        "experiments",
        "run",
        "--project",
        "main",
        "--baseline",
        "default",
        "--candidate",
        "default@1",
        "--since",
        "1h",
      ],
      {
        sleep: async () => {
          if (++polls > 5) throw new Error("the experiment never finished");
          runner.wake();
          await runner.idle();
        },
      },
    );
    await runner.stop();
    expect(result.err).toContain("queued");
    expect(result.out).toContain("status: completed");
    expect(result.out).toMatch(/verdict: (pass|inconclusive)/);
    expect(result.code).toBe(0);
  });
});
