// Gateway-run batches through the surfaces (issue 17 §3), with the official SDKs as clients: a
// batch whose lines name an @config with a fallback, created through /openai/v1/files +
// /openai/v1/batches and through /anthropic/v1/messages/batches, is stored for the control
// plane's worker (the runner the embedded default plugs in: the control plane's batch service
// handed to the data plane's library face), run, and read back through the same endpoints
// (retrieve, the output file's content, results()). Postgres and the simulator are real; the
// worker's clock jumps when it sleeps.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI, { toFile } from "openai";
import { createInProcessBus } from "#shared/bus/in-process.ts";
import { connectNatsBus } from "#shared/bus/nats.ts";
import { newId } from "#shared/ids/ids.ts";
import { openBatchPlane } from "../../controlplane/batches/batch-plane.ts";
import { gatewayBatchService } from "../../controlplane/batches/batch-service.ts";
import { serveGatewayBatches } from "../../controlplane/batches/serve-batches.ts";
import { defaultBatchSettings } from "../../controlplane/batches/settings.ts";
import { BatchWorker } from "../../controlplane/batches/worker.ts";
import { budgets, gatewayBatches } from "../../controlplane/db/schema/index.ts";
import { compileSnapshotBody } from "../../controlplane/publisher/compile-snapshot.ts";
import { type InProcessDataPlane, openInProcessDataPlane } from "../../dataplane/in-process.ts";
import { busGatewayBatchService } from "../../dataplane/surfaces/files-batches/bus-gateway-batches.ts";
import {
  type BatchWorld,
  createNightlyBatch,
  type SimulatorControl,
  seedBatchWorld,
  simulatorControl,
} from "../support/batch-world.ts";
import { jumpingClock } from "../support/jumping-clock.ts";
import {
  type Json,
  type ManagementHarness,
  startManagementHarness,
  testSecretBox,
} from "../support/management.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";
import { natsUrl, servicesAbsent } from "../support/services.ts";
import { waitUntil } from "../support/wait.ts";

describe.skipIf(servicesAbsent)("gateway-run batches through the surfaces (SDKs)", () => {
  let database: TestDatabase;
  let harness: ManagementHarness;
  let plane: InProcessDataPlane;
  let world: BatchWorld;
  let simulator: SimulatorControl;
  const settings = { ...defaultBatchSettings(), concurrency: 3, maxLinesPerSecond: 20 };
  const fetchThroughPlane = ((input: string | URL | Request, init?: RequestInit) =>
    plane.handle(new Request(input as string, init))) as typeof fetch;
  const openai = () =>
    new OpenAI({
      apiKey: world.secret,
      baseURL: "http://gateway.test/openai/v1",
      fetch: fetchThroughPlane,
      maxRetries: 0,
    });
  const anthropic = () =>
    new Anthropic({
      apiKey: world.secret,
      baseURL: "http://gateway.test/anthropic",
      fetch: fetchThroughPlane,
      maxRetries: 0,
    });
  /** Batches of any status in the database (a failed create must leave none behind). */
  const storedBatches = async () =>
    (await database.handle.db.select({ id: gatewayBatches.id }).from(gatewayBatches)).length;
  /** Runs every batch there is to its end (bounded: a batch per call, at most ten). */
  const runWorker = async () => {
    const worker = new BatchWorker({
      db: database.handle.db,
      workerId: `worker-${Math.random().toString(36).slice(2)}`,
      settings,
      clock: jumpingClock(Date.now()),
      openExecutor: (batch) =>
        openBatchPlane({ db: database.handle.db, secretBox: testSecretBox }, batch),
    });
    for (let round = 0; round < 10 && (await worker.runOnce()); round++) {}
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    harness = await startManagementHarness(database.handle);
    const { db } = database.handle;
    world = await seedBatchWorld(db, harness);
    simulator = simulatorControl(harness.simulator.url);
    const opened = openInProcessDataPlane({
      nodeId: "gateway-batches-sdk",
      snapshot: await compileSnapshotBody(db),
      secretBox: testSecretBox,
      traces: { emit() {} },
      random: Math.random,
      gatewayBatches: gatewayBatchService(db),
    });
    if (!opened.opened) throw new Error(opened.reason);
    plane = opened.plane;
  }, 120_000);
  afterAll(async () => {
    await plane?.close();
    await harness?.stop();
    await database?.drop();
  });

  const inputFile = (count: number, model = "@nightly") =>
    Array.from({ length: count }, (_, index) =>
      JSON.stringify({
        custom_id: `doc-${index}`,
        method: "POST",
        url: "/v1/chat/completions",
        body: {
          model,
          messages: [{ role: "user", content: `Summarise ${index}.` }],
          max_tokens: 16,
        },
      }),
    ).join("\n");

  test("openai: files.create + batches.create on an @config with a fallback, poll, files.content", async () => {
    await simulator("DELETE", "faults");
    await simulator("POST", "faults", { model: "gpt-4o", status: 503, count: 2 });
    const client = openai();
    const file = await client.files.create({
      file: await toFile(Buffer.from(`${inputFile(4)}\n`), "input.jsonl"),
      purpose: "batch",
    });
    const created = await client.batches.create({
      input_file_id: file.id,
      endpoint: "/v1/chat/completions",
      completion_window: "24h",
      metadata: { job: "nightly" },
    });
    expect(created.id).toStartWith("batch_mlx_");
    expect(created.status).toBe("in_progress");
    expect(created.request_counts).toEqual({ total: 4, completed: 0, failed: 0 });
    expect(created.input_file_id).toBe(file.id);
    expect(created.metadata).toEqual({ job: "nightly" });
    expect(created.completion_window).toBe("24h");
    await runWorker();
    let batch = await client.batches.retrieve(created.id);
    for (let poll = 0; poll < 5 && batch.status !== "completed"; poll++)
      batch = await client.batches.retrieve(created.id);
    expect(batch.status).toBe("completed");
    expect(batch.request_counts).toEqual({ total: 4, completed: 4, failed: 0 });
    expect(batch.output_file_id).toBe(`file_mlx_${created.id}_output`);
    expect(batch.error_file_id).toBeNull();
    const content = await (await client.files.content(batch.output_file_id as string)).text();
    const lines = content
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as Json);
    expect(lines.map((line) => line.custom_id)).toEqual(["doc-0", "doc-1", "doc-2", "doc-3"]);
    for (const line of lines) {
      expect(line.error).toBeNull();
      expect(line.response.status_code).toBe(200);
      expect(line.response.body.object).toBe("chat.completion");
    }
    // The two failed first-target calls fell back to the second target.
    const models = lines.map((line) => line.response.body.model as string);
    expect(models.filter((model) => model.startsWith("gpt-4o-mini")).length).toBe(2);
  }, 60_000);

  test("openai: cancel through the surface; another id is a 404; bad window and spend cap are 400s naming them", async () => {
    const client = openai();
    const file = await client.files.create({
      file: await toFile(Buffer.from(`${inputFile(3)}\n`), "input.jsonl"),
      purpose: "batch",
    });
    const cancelled = await client.batches.cancel(
      (
        await client.batches.create(
          { input_file_id: file.id, endpoint: "/v1/chat/completions", completion_window: "24h" },
          { headers: { "x-modelux-batch-spend-cap-usd": "0.5" } },
        )
      ).id,
    );
    expect(cancelled.status).toBe("cancelling");
    await runWorker();
    const ended = await client.batches.retrieve(cancelled.id);
    expect(ended.status).toBe("cancelled");
    expect(ended.request_counts).toEqual({ total: 3, completed: 0, failed: 3 });
    const errors = await (await client.files.content(ended.error_file_id as string)).text();
    expect(errors.trim().split("\n")).toHaveLength(3);
    expect(errors).toContain("batch_cancelled");

    const missing = await client.batches.retrieve("batch_mlx_nosuchbatch").catch((error) => error);
    expect(missing).toBeInstanceOf(OpenAI.NotFoundError);
    const window = await client.batches
      .create({
        input_file_id: file.id,
        endpoint: "/v1/chat/completions",
        completion_window: "3d" as "24h",
      })
      .catch((error) => error);
    expect(window).toBeInstanceOf(OpenAI.BadRequestError);
    expect(window.param).toBe("completion_window");
    const cap = await client.batches
      .create(
        { input_file_id: file.id, endpoint: "/v1/chat/completions", completion_window: "24h" },
        { headers: { "x-modelux-batch-spend-cap-usd": "-1" } },
      )
      .catch((error) => error);
    expect(cap).toBeInstanceOf(OpenAI.BadRequestError);
    expect(cap.param).toBe("x-modelux-batch-spend-cap-usd");
    // A passthrough batch (plain model lines) is the vendor's: a spend cap is refused, not ignored.
    const plain = await client.files.create({
      file: await toFile(Buffer.from(`${inputFile(1, "gpt-4o-mini")}\n`), "input.jsonl"),
      purpose: "batch",
    });
    const passthrough = await client.batches
      .create(
        { input_file_id: plain.id, endpoint: "/v1/chat/completions", completion_window: "24h" },
        { headers: { "x-modelux-batch-spend-cap-usd": "1" } },
      )
      .catch((error) => error);
    expect(passthrough).toBeInstanceOf(OpenAI.BadRequestError);
    expect(passthrough.param).toBe("x-modelux-batch-spend-cap-usd");
  }, 60_000);

  test("fleet: a data plane reaches the control plane's service by a bus request (NATS), create to output", async () => {
    await simulator("DELETE", "faults");
    const controlBus = await connectNatsBus({ servers: natsUrl, name: "batches-control" });
    const nodeBus = await connectNatsBus({ servers: natsUrl, name: "batches-node" });
    const served = await serveGatewayBatches(
      controlBus,
      gatewayBatchService(database.handle.db),
      () => {},
    );
    const opened = openInProcessDataPlane({
      nodeId: "gateway-batches-fleet",
      snapshot: await compileSnapshotBody(database.handle.db),
      secretBox: testSecretBox,
      traces: { emit() {} },
      random: Math.random,
      gatewayBatches: busGatewayBatchService(() => nodeBus),
    });
    if (!opened.opened) throw new Error(opened.reason);
    const fleetPlane = opened.plane;
    try {
      const client = new OpenAI({
        apiKey: world.secret,
        baseURL: "http://gateway.test/openai/v1",
        fetch: ((input: string | URL | Request, init?: RequestInit) =>
          fleetPlane.handle(new Request(input as string, init))) as typeof fetch,
        maxRetries: 0,
      });
      const file = await client.files.create({
        file: await toFile(Buffer.from(`${inputFile(3)}\n`), "input.jsonl"),
        purpose: "batch",
      });
      const created = await client.batches.create({
        input_file_id: file.id,
        endpoint: "/v1/chat/completions",
        completion_window: "24h",
      });
      expect(created.id).toStartWith("batch_mlx_");
      await runWorker();
      const batch = await client.batches.retrieve(created.id);
      expect(batch.status).toBe("completed");
      expect(batch.request_counts).toEqual({ total: 3, completed: 3, failed: 0 });
      const content = await (await client.files.content(batch.output_file_id as string)).text();
      expect(
        content
          .trim()
          .split("\n")
          .map((line) => (JSON.parse(line) as Json).custom_id),
      ).toEqual(["doc-0", "doc-1", "doc-2"]);
      const missing = await client.batches
        .retrieve("batch_mlx_nosuchbatch")
        .catch((error) => error);
      expect(missing).toBeInstanceOf(OpenAI.NotFoundError);
      // Deleting an ended batch over the bus (the Anthropic surface's call, the same service).
      const overBus = busGatewayBatchService(() => nodeBus);
      expect(await overBus.delete(harness.org.orgId, created.id)).toBe(true);
      expect(await overBus.read(harness.org.orgId, created.id)).toBeNull();
      expect(await overBus.delete(harness.org.orgId, created.id)).toBe(false);

      // A batch of more lines than one bus message carries at a time (1,000 lines a chunk): its
      // lines reach the control plane in several messages, all of them, in order.
      const many = 2_500;
      const big = await client.files.create({
        file: await toFile(Buffer.from(`${inputFile(many)}\n`), "many.jsonl"),
        purpose: "batch",
      });
      const large = await client.batches.create({
        input_file_id: big.id,
        endpoint: "/v1/chat/completions",
        completion_window: "24h",
      });
      expect(large.request_counts).toEqual({ total: many, completed: 0, failed: 0 });
      await client.batches.cancel(large.id);
      await runWorker();
      const cancelled = await client.batches.retrieve(large.id);
      expect(cancelled.status).toBe("cancelled");
      const unsent = (await (await client.files.content(cancelled.error_file_id as string)).text())
        .trim()
        .split("\n")
        .map((line) => (JSON.parse(line) as Json).custom_id);
      expect(unsent).toEqual(Array.from({ length: many }, (_, index) => `doc-${index}`));
      // A line that fails after chunks were stored (a custom_id used twice, line 2,501): a 400
      // naming it, and nothing of the batch is left, staged or visible.
      const duplicated = `${inputFile(many)}\n${JSON.stringify({
        custom_id: "doc-7",
        method: "POST",
        url: "/v1/chat/completions",
        body: { model: "@nightly", messages: [{ role: "user", content: "again" }] },
      })}\n`;
      const bad = await client.files.create({
        file: await toFile(Buffer.from(duplicated), "duplicated.jsonl"),
        purpose: "batch",
      });
      const stagedBefore = await storedBatches();
      const refusedDuplicate = await client.batches
        .create({
          input_file_id: bad.id,
          endpoint: "/v1/chat/completions",
          completion_window: "24h",
        })
        .catch((error) => error);
      expect(refusedDuplicate).toBeInstanceOf(OpenAI.BadRequestError);
      expect(refusedDuplicate.message).toContain(`input file line ${many + 1}: custom_id`);
      expect(await storedBatches()).toBe(stagedBefore);
      // No control plane serving the subject: a 503 to retry, nothing stored.
      await served.unsubscribe();
      const refused = await client.batches
        .create({
          input_file_id: file.id,
          endpoint: "/v1/chat/completions",
          completion_window: "24h",
        })
        .catch((error) => error);
      expect(refused).toBeInstanceOf(OpenAI.APIError);
      expect(refused.status).toBe(503);
    } finally {
      await fleetPlane.close();
      await served.unsubscribe();
      await nodeBus.close();
      await controlBus.close();
    }
  }, 60_000);

  test("fleet plane, stopped mid-run and resumed: each line's spend delta and trace go out once", async () => {
    await simulator("DELETE", "faults");
    const { db } = database.handle;
    const budgetId = newId("budget");
    await db.insert(budgets).values({
      id: budgetId,
      org_id: harness.org.orgId,
      name: "org monthly",
      scope_type: "org",
      period: "monthly",
      cap_usd: 1_000_000,
    });
    const bus = createInProcessBus();
    const traces: Array<Record<string, unknown>> = [];
    let spentOnBus = 0;
    await bus.consumeTraces(async (batch) => {
      traces.push(...(batch.records as Array<Record<string, unknown>>));
      await batch.ack();
    });
    // A node sends a message again (same seq) until a control plane says it applied it; none
    // runs here, so count each (node, seq) once, as the control plane's aggregator does.
    const seen = new Set<string>();
    await bus.subscribeSpendDeltas((delta) => {
      const key = `${delta.node_id}:${delta.seq}`;
      if (seen.has(key)) return;
      seen.add(key);
      for (const entry of delta.deltas) if (entry.budget_id === budgetId) spentOnBus += entry.usd;
    });
    const traceDirectory = mkdtempSync(join(tmpdir(), "gateway-batches-fleet-"));
    const fleetWorker = (onLineDone?: () => void) =>
      new BatchWorker({
        db,
        workerId: `fleet-${Math.random().toString(36).slice(2)}`,
        settings,
        clock: jumpingClock(Date.now()),
        openExecutor: (batch) =>
          openBatchPlane(
            {
              db,
              secretBox: testSecretBox,
              fleet: {
                bus,
                traceDirectory: join(traceDirectory, crypto.randomUUID()),
                log: () => {},
              },
            },
            batch,
          ),
        ...(onLineDone ? { onLineDone } : {}),
      });
    try {
      const created = await createNightlyBatch(
        world,
        Array.from({ length: 8 }, (_, index) => ({
          customId: `doc-${index}`,
          body: { model: "@nightly", messages: [{ role: "user", content: `Doc ${index}` }] },
        })),
      );
      let done = 0;
      let threeDone = () => {};
      const three = new Promise<void>((resolve) => {
        threeDone = resolve;
      });
      const first = fleetWorker(() => {
        if (++done === 3) threeDone();
      });
      first.start();
      await three;
      await first.stop();
      const second = fleetWorker();
      for (let round = 0; round < 5 && (await second.runOnce()); round++) {}
      const state = await gatewayBatchService(db).read(harness.org.orgId, created.id);
      expect(state?.counts.succeeded).toBe(8);
      const ofBatch = () => traces.filter((trace) => trace.batch_id === created.id);
      await waitUntil(() => ofBatch().length >= 8 || null, { timeoutMs: 5_000 });
      const requestIds = ofBatch().map((trace) => trace.request_id);
      expect(new Set(requestIds).size).toBe(8);
      expect(requestIds).toHaveLength(8);
      // A plane's last deltas may go out just after its close returns (a flush already running).
      const spent = state?.counts.spentUsd ?? -1;
      await waitUntil(() => Math.abs(spentOnBus - spent) < 1e-9 || null, {
        timeoutMs: 5_000,
      }).catch(() => {});
      expect(spentOnBus).toBeCloseTo(spent, 9);
      expect(spentOnBus).toBeGreaterThan(0);
    } finally {
      await bus.close();
      rmSync(traceDirectory, { recursive: true, force: true });
    }
  }, 60_000);

  test("anthropic: messages.batches.create on an @config, retrieve, results()", async () => {
    await simulator("DELETE", "faults");
    const client = anthropic();
    const created = await client.messages.batches.create({
      requests: [0, 1, 2].map((index) => ({
        custom_id: `q-${index}`,
        params: {
          model: "@nightly",
          max_tokens: 16,
          messages: [{ role: "user" as const, content: `Question ${index}?` }],
        },
      })),
    });
    expect(created.id).toStartWith("msgbatch_mlx_");
    expect(created.processing_status).toBe("in_progress");
    expect(created.request_counts.processing).toBe(3);
    await runWorker();
    const ended = await client.messages.batches.retrieve(created.id);
    expect(ended.processing_status).toBe("ended");
    expect(ended.request_counts).toEqual({
      processing: 0,
      succeeded: 3,
      errored: 0,
      canceled: 0,
      expired: 0,
    });
    const results = [];
    for await (const result of await client.messages.batches.results(created.id))
      results.push(result);
    expect(results.map((result) => result.custom_id)).toEqual(["q-0", "q-1", "q-2"]);
    for (const result of results) {
      expect(result.result.type).toBe("succeeded");
      if (result.result.type === "succeeded") {
        expect(result.result.message.type).toBe("message");
        expect(result.result.message.content.length).toBeGreaterThan(0);
      }
    }

    // Deleted once ended, as Anthropic defines it: gone from retrieve and results.
    expect(await client.messages.batches.delete(created.id)).toEqual({
      id: created.id,
      type: "message_batch_deleted",
    });
    const gone = await client.messages.batches.retrieve(created.id).catch((error) => error);
    expect(gone).toBeInstanceOf(Anthropic.NotFoundError);
    const noResults = await client.messages.batches.results(created.id).catch((error) => error);
    expect(noResults).toBeInstanceOf(Anthropic.NotFoundError);
    const again = await client.messages.batches.delete(created.id).catch((error) => error);
    expect(again).toBeInstanceOf(Anthropic.NotFoundError);
  }, 60_000);

  test("anthropic: a batch still processing cannot be deleted (cancel it first); cancelled and ended, it can", async () => {
    const client = anthropic();
    const running = await client.messages.batches.create({
      requests: [0, 1].map((index) => ({
        custom_id: `d-${index}`,
        params: {
          model: "@nightly",
          max_tokens: 16,
          messages: [{ role: "user" as const, content: `Delete me ${index}?` }],
        },
      })),
    });
    const refused = await client.messages.batches.delete(running.id).catch((error) => error);
    expect(refused).toBeInstanceOf(Anthropic.BadRequestError);
    expect(refused.error).toMatchObject({
      type: "error",
      error: { type: "invalid_request_error" },
    });
    expect(refused.error.error.message).toContain("cancel it first");
    // Still there, untouched.
    expect((await client.messages.batches.retrieve(running.id)).processing_status).toBe(
      "in_progress",
    );
    expect((await client.messages.batches.cancel(running.id)).processing_status).toBe("canceling");
    await runWorker();
    expect((await client.messages.batches.retrieve(running.id)).processing_status).toBe("ended");
    expect((await client.messages.batches.delete(running.id)).type).toBe("message_batch_deleted");
    const missing = await client.messages.batches
      .delete("msgbatch_mlx_nosuchbatch")
      .catch((error) => error);
    expect(missing).toBeInstanceOf(Anthropic.NotFoundError);
  }, 60_000);

  test("anthropic: a custom_id used twice is a 400 naming the request that repeats it; nothing is left of the batch", async () => {
    const before = await storedBatches();
    const request = (customId: string) => ({
      custom_id: customId,
      params: {
        model: "@nightly",
        max_tokens: 16,
        messages: [{ role: "user" as const, content: "Twice?" }],
      },
    });
    const refused = await anthropic()
      .messages.batches.create({ requests: [request("a"), request("b"), request("a")] })
      .catch((error) => error);
    expect(refused).toBeInstanceOf(Anthropic.BadRequestError);
    expect(refused.error.error.message).toBe(
      "requests.2.custom_id must be a string unique in the batch",
    );
    expect(await storedBatches()).toBe(before);
  }, 60_000);
});
