// Files and batches on both surfaces (issue 17 §1-2, docs/batches-and-files.md), driven by the
// official SDKs through two data planes sharing one state store, in front of the simulator: what
// one plane creates the other serves from the same credential; another org's ids are 404s; a
// batch that does not fit a budget is a 402; a batch's cost is settled once (the estimate charged
// at creation replaced by the results' cost at the batch price, one request-log row per result)
// even when two clients read its results on two planes at once; an oversized upload is a 413.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import Anthropic, { toFile as toAnthropicFile } from "@anthropic-ai/sdk";
import OpenAI, { toFile } from "openai";
import { InProcessStateStore } from "#shared/bus/in-process-state-store.ts";
import { SecretBox } from "#shared/crypto/secret-box.ts";
import { defaultRequestLimits } from "#shared/env/settings.ts";
import { hashKey } from "#shared/ids/ids.ts";
import { batchPrice } from "#shared/pricing/batch-price.ts";
import { lookupModel } from "#shared/pricing/catalog.ts";
import { sealSnapshot } from "#shared/snapshot/envelope.ts";
import { BudgetLedger } from "../../dataplane/budgets/budget-ledger.ts";
import { createDataPlaneContext, type DataPlaneContext } from "../../dataplane/context.ts";
import { guardDataPlane } from "../../dataplane/http-guard.ts";
import { createDataPlaneApp } from "../../dataplane/server.ts";
import { SnapshotLoader } from "../../dataplane/snapshot/snapshot-loader.ts";
import { readBatchRecord } from "../../dataplane/surfaces/files-batches/records.ts";
import { settlementInFlight } from "../../dataplane/surfaces/files-batches/settle-triggers.ts";
import { RecentTraces } from "../../dataplane/trace/trace-emitter.ts";
import { type RunningSimulator, startSimulator } from "../../simulator/server.ts";
import { waitUntil } from "../support/wait.ts";

const KEY_A = "mlx_sk_filesbatchesorga0000001";
const KEY_B = "mlx_sk_filesbatchesorgb0000001";
const KEY_TIGHT = "mlx_sk_filesbatchestight000001";
const UPLOAD_LIMIT = 64 * 1024;
// Uploads have their own limit: one above the chat body limit but under theirs goes through.
const CHAT_LIMIT = 16 * 1024;

interface Plane {
  url: string;
  context: DataPlaneContext;
  traces: RecentTraces;
  ledger: BudgetLedger;
  stop(): void;
}

let simulator: RunningSimulator;
let planes: [Plane, Plane];
let planeB: Plane;

function snapshotBody(simulatorUrl: string, box: SecretBox) {
  const provider = (
    org: string,
    name: string,
    vendor: string,
    path: string,
    credential: string,
  ) => ({
    id: `prv_${org}_${name}`,
    org_id: org,
    name,
    vendor,
    base_url: `${simulatorUrl}${path}`,
    credential: box.encrypt(credential),
    options: {},
  });
  const key = (id: string, org: string, project: string, secret: string) => ({
    id,
    org_id: org,
    project_id: project,
    name: id,
    key_hash: hashKey(secret),
    rpm_limit: null,
    expires_at: null,
  });
  const budget = (id: string, project: string, cap: number) => ({
    id,
    org_id: "org_a",
    project_id: project,
    name: id,
    scope_type: "project",
    scope_value: project,
    period: "monthly",
    custom_period_seconds: null,
    period_anchor: null,
    cap_usd: cap,
    soft_thresholds: [0.8],
    action: "block",
    downgrade_to: null,
    fail_mode: "open",
    stale_after_ms: 3_600_000,
  });
  return {
    orgs: [
      { id: "org_a", slug: "a", name: "A" },
      { id: "org_b", slug: "b", name: "B" },
    ],
    projects: [
      { id: "prj_a", org_id: "org_a", slug: "main", settings: {} },
      { id: "prj_tight", org_id: "org_a", slug: "tight", settings: {} },
      { id: "prj_b", org_id: "org_b", slug: "main", settings: {} },
    ],
    api_keys: [
      key("key_a", "org_a", "prj_a", KEY_A),
      key("key_tight", "org_a", "prj_tight", KEY_TIGHT),
      key("key_b", "org_b", "prj_b", KEY_B),
    ],
    providers: [
      provider("org_a", "openai", "openai", "/v1", "sk-org-a"),
      provider("org_a", "openai-eu", "openai", "/v1", "sk-org-a-eu"),
      provider("org_a", "anthropic", "anthropic", "/v1", "sk-ant-org-a"),
      provider("org_a", "azure", "azure", "", "azure-org-a"),
      provider("org_b", "openai", "openai", "/v1", "sk-org-b"),
      provider("org_b", "anthropic", "anthropic", "/v1", "sk-ant-org-b"),
    ],
    routing_configs: [],
    budgets: [budget("bud_a", "prj_a", 1_000), budget("bud_tight", "prj_tight", 0.000001)],
  };
}

function startPlane(nodeId: string, loader: SnapshotLoader, state: InProcessStateStore): Plane {
  const traces = new RecentTraces();
  const ledger = new BudgetLedger({ nodeId });
  const context = createDataPlaneContext({ nodeId, loader, traces, budgets: ledger, state });
  const guarded = guardDataPlane(createDataPlaneApp(context).fetch, {
    ...defaultRequestLimits(CHAT_LIMIT),
    MODELUX_MAX_UPLOAD_BYTES: UPLOAD_LIMIT,
  });
  const server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: guarded.fetch });
  return {
    url: `http://127.0.0.1:${server.port}`,
    context,
    traces,
    ledger,
    stop: () => server.stop(true),
  };
}

beforeAll(() => {
  simulator = startSimulator({ port: 0 });
  const box = new SecretBox(new Uint8Array(32).fill(3));
  const loader = new SnapshotLoader({ secretBox: box });
  const applied = loader.apply(sealSnapshot(1, snapshotBody(simulator.url, box) as never));
  if (!applied.applied) throw new Error(applied.reason);
  const state = new InProcessStateStore();
  planes = [startPlane("dp-1", loader, state), startPlane("dp-2", loader, state)];
  planeB = planes[0];
});
afterAll(async () => {
  for (const plane of planes) plane.stop();
  await simulator.stop();
});

const openai = (plane: Plane, key = KEY_A, headers: Record<string, string> = {}) =>
  new OpenAI({
    baseURL: `${plane.url}/openai/v1`,
    apiKey: key,
    maxRetries: 0,
    defaultHeaders: headers,
  });
const anthropic = (plane: Plane, key = KEY_A) =>
  new Anthropic({ baseURL: `${plane.url}/anthropic`, apiKey: key, maxRetries: 0 });

const chatLine = (id: string, text: string) =>
  JSON.stringify({
    custom_id: id,
    method: "POST",
    url: "/v1/chat/completions",
    body: { model: "gpt-4o-mini", messages: [{ role: "user", content: text }], max_tokens: 40 },
  });

async function batchInput(client: OpenAI, lines: string[]) {
  return client.files.create({
    file: await toFile(Buffer.from(`${lines.join("\n")}\n`), "input.jsonl"),
    purpose: "batch",
  });
}

/** Spend the two planes recorded that no broadcast has confirmed (all of it: no bus here). */
const spendOf = () => planes[0].ledger.pendingUsd() + planes[1].ledger.pendingUsd();
const batchRows = (batchId: string) =>
  planes.flatMap((plane) => plane.traces.all()).filter((trace) => trace.batch_id === batchId);

async function settled(orgId: string, batchId: string) {
  await waitUntil(
    async () => {
      for (const plane of planes) await settlementInFlight(plane.context, orgId, batchId);
      const stored = await readBatchRecord(planes[0].context.state, orgId, batchId);
      return stored?.record.settlement?.state === "settled" ? stored.record : null;
    },
    { timeoutMs: 5000, message: `batch ${batchId} not settled` },
  );
  return (await readBatchRecord(planes[0].context.state, orgId, batchId))?.record;
}

describe("OpenAI files and batches through the gateway", () => {
  test("upload on one plane, batch on the other, poll to completed, read the output: spend settled to the results' cost", async () => {
    const [one, two] = planes;
    const spendBefore = spendOf();
    const input = await batchInput(openai(one), [
      chatLine("a", "hello there"),
      chatLine("b", "one more"),
    ]);
    expect(input).toMatchObject({ object: "file", purpose: "batch", filename: "input.jsonl" });
    const created = await openai(two).batches.create({
      input_file_id: input.id,
      endpoint: "/v1/chat/completions",
      completion_window: "24h",
    });
    expect(created.status).toBe("validating");
    // Admission charged the estimate at the batch price, before anything ran.
    const afterCreate = spendOf() - spendBefore;
    expect(afterCreate).toBeGreaterThan(0);
    let batch = created;
    for (let poll = 0; poll < 10 && batch.status !== "completed"; poll++)
      batch = await openai(poll % 2 === 0 ? one : two).batches.retrieve(created.id);
    expect(batch.status).toBe("completed");
    expect(batch.request_counts).toEqual({ total: 2, completed: 2, failed: 0 });
    const output = await (await openai(two).files.content(batch.output_file_id as string)).text();
    const lines = output
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(lines.map((line) => line.custom_id).sort()).toEqual(["a", "b"]);

    const record = await settled("org_a", created.id);
    const price = batchPrice(lookupModel("openai", "gpt-4o-mini").price);
    const expected = lines.reduce(
      (sum, line) =>
        sum +
        line.response.body.usage.prompt_tokens * price.input +
        line.response.body.usage.completion_tokens * price.output,
      0,
    );
    expect(record?.settlement?.actual_usd).toBeCloseTo(expected, 12);
    // The estimate (max_tokens bound) was more than the results cost; settlement gave it back.
    expect(afterCreate).toBeGreaterThan(expected);
    expect(spendOf() - spendBefore).toBeCloseTo(expected, 12);
    const rows = batchRows(created.id);
    expect(rows).toHaveLength(2);
    expect(rows.every((row) => row.status === 200 && row.decision.provider === "openai")).toBe(
      true,
    );
    expect(rows.reduce((sum, row) => sum + (row.cost_usd ?? 0), 0)).toBeCloseTo(expected, 12);
  });

  test("X-Modelux-Provider picks the credential; later calls with the id find it from any plane", async () => {
    const [one, two] = planes;
    const eu = openai(one, KEY_A, { "X-Modelux-Provider": "openai-eu" });
    const file = await eu.files.create({
      file: await toFile(Buffer.from("notes"), "notes.txt"),
      purpose: "user_data",
    });
    // Held by the openai-eu credential: no header needed later, on either plane.
    const found = await openai(two).files.retrieve(file.id);
    expect(found.id).toBe(file.id);
    expect(await (await openai(one).files.content(file.id)).text()).toBe("notes");
    // The default credential's list does not hold it; the named one's does.
    expect((await openai(two).files.list()).data.map((item) => item.id)).not.toContain(file.id);
    expect((await eu.files.list()).data.map((item) => item.id)).toContain(file.id);
    const wrong = await openai(two, KEY_A, { "X-Modelux-Provider": "openai" })
      .files.retrieve(file.id)
      .catch((error) => error);
    expect(wrong).toBeInstanceOf(OpenAI.BadRequestError);
    expect((await openai(two).files.delete(file.id)).deleted).toBe(true);
    expect(
      await openai(one)
        .files.retrieve(file.id)
        .catch((error) => error),
    ).toBeInstanceOf(OpenAI.NotFoundError);
  });

  test("an Azure provider named by the header holds the file and runs the batch (its v1 surface)", async () => {
    const azure = openai(planes[0], KEY_A, { "X-Modelux-Provider": "azure" });
    const input = await batchInput(azure, [chatLine("a", "from azure")]);
    const created = await openai(planes[1]).batches.create({
      input_file_id: input.id,
      endpoint: "/v1/chat/completions",
      completion_window: "24h",
    });
    let batch = created;
    for (let poll = 0; poll < 10 && batch.status !== "completed"; poll++)
      batch = await openai(planes[poll % 2] as Plane).batches.retrieve(created.id);
    expect(batch.status).toBe("completed");
    const calls = (await (await fetch(`${simulator.url}/_sim/calls`)).json()) as {
      last: { azure: { path: string; headers: Record<string, string> } };
    };
    expect(calls.last.azure.path).toStartWith("/openai/v1/");
    expect(calls.last.azure.headers["api-key"]).toBe("azure-org-a");
    const output = await (
      await openai(planes[1]).files.content(batch.output_file_id as string)
    ).text();
    expect(JSON.parse(output.trim()).custom_id).toBe("a");
    await settled("org_a", created.id);
  });

  test("another org's file and batch ids are 404s in OpenAI's shape", async () => {
    const input = await batchInput(openai(planes[0]), [chatLine("a", "x")]);
    const batch = await openai(planes[0]).batches.create({
      input_file_id: input.id,
      endpoint: "/v1/chat/completions",
      completion_window: "24h",
    });
    const stranger = openai(planeB, KEY_B);
    const missing = await stranger.files.retrieve(input.id).catch((error) => error);
    expect(missing).toBeInstanceOf(OpenAI.NotFoundError);
    expect(missing.headers.get("x-modelux-request-id")).toBeTruthy();
    expect(await stranger.batches.retrieve(batch.id).catch((error) => error)).toBeInstanceOf(
      OpenAI.NotFoundError,
    );
    expect(await stranger.files.content(input.id).catch((error) => error)).toBeInstanceOf(
      OpenAI.NotFoundError,
    );
    const reuse = await stranger.batches
      .create({
        input_file_id: input.id,
        endpoint: "/v1/chat/completions",
        completion_window: "24h",
      })
      .catch((error) => error);
    expect(reuse).toBeInstanceOf(OpenAI.NotFoundError);
  });

  test("a batch that does not fit its budget is a 402 with the budget body; nothing reaches the vendor", async () => {
    const tight = openai(planes[1], KEY_TIGHT);
    const input = await batchInput(tight, [chatLine("a", "hello")]);
    const refused = await tight.batches
      .create({
        input_file_id: input.id,
        endpoint: "/v1/chat/completions",
        completion_window: "24h",
      })
      .catch((error) => error);
    expect(refused).toBeInstanceOf(OpenAI.APIError);
    expect(refused.status).toBe(402);
    expect(refused.error).toMatchObject({ type: "budget_exceeded", budget: { name: "bud_tight" } });
    expect(refused.headers.get("x-modelux-budget-name")).toBe("bud_tight");
    expect(
      (await tight.batches.list()).data.filter((item) => item.input_file_id === input.id),
    ).toEqual([]);
  });

  test("an upload above MODELUX_MAX_UPLOAD_BYTES is a 413 in OpenAI's shape; one above the chat limit but under it passes", async () => {
    const client = openai(planes[0]);
    const medium = await client.files.create({
      file: await toFile(Buffer.alloc(CHAT_LIMIT * 2, 97), "medium.txt"),
      purpose: "user_data",
    });
    expect(medium.bytes).toBe(CHAT_LIMIT * 2);
    const chat = await client.chat.completions
      .create({
        model: "gpt-4o-mini",
        messages: [{ role: "user", content: "a".repeat(CHAT_LIMIT * 2) }],
      })
      .catch((error) => error);
    expect(chat.status).toBe(413);
    const big = await openai(planes[0])
      .files.create({
        file: await toFile(Buffer.alloc(UPLOAD_LIMIT + 1, 97), "big.txt"),
        purpose: "user_data",
      })
      .catch((error) => error);
    expect(big).toBeInstanceOf(OpenAI.APIError);
    expect(big.status).toBe(413);
    expect(big.error.type).toBeDefined();
  });
});

describe("Anthropic message batches and files through the gateway", () => {
  const params = (text: string, model = "anthropic/claude-sonnet-4-5") => ({
    model,
    max_tokens: 50,
    messages: [{ role: "user" as const, content: text }],
  });

  test("create with provider/model, poll to ended, results() through the gateway; two planes reading at once settle once", async () => {
    const [one, two] = planes;
    const spendBefore = spendOf();
    const created = await anthropic(one).messages.batches.create({
      requests: [
        { custom_id: "first", params: params("hello") },
        { custom_id: "second", params: params("again", "claude-sonnet-4-5") },
      ],
    });
    expect(created.processing_status).toBe("in_progress");
    // The prefix stopped at the gateway: the vendor saw its own model name.
    const calls = (await (await fetch(`${simulator.url}/_sim/calls`)).json()) as {
      last: { anthropic: { raw_body: string } };
    };
    expect(calls.last.anthropic.raw_body).not.toContain("anthropic/claude");
    // The simulator's default pace: the first poll sees the batch end (and starts settling it);
    // then both planes read the results at once, each starting a settlement too.
    const ended = await anthropic(two).messages.batches.retrieve(created.id);
    expect(ended.processing_status).toBe("ended");
    expect(ended.results_url).toBe(
      `${two.url}/anthropic/v1/messages/batches/${created.id}/results`,
    );
    const read = async (plane: Plane) => {
      const results = [];
      for await (const result of await anthropic(plane).messages.batches.results(created.id))
        results.push(result);
      return results;
    };
    const [fromOne, fromTwo] = await Promise.all([read(one), read(two)]);
    expect(fromOne.map((result) => result.custom_id).sort()).toEqual(["first", "second"]);
    expect(fromTwo).toHaveLength(2);
    const record = await settled("org_a", created.id);
    const price = batchPrice(lookupModel("anthropic", "claude-sonnet-4-5").price);
    const expected = fromOne.reduce((sum, result) => {
      if (result.result.type !== "succeeded") return sum;
      const usage = result.result.message.usage;
      return sum + usage.input_tokens * price.input + usage.output_tokens * price.output;
    }, 0);
    expect(expected).toBeGreaterThan(0);
    expect(record?.settlement?.actual_usd).toBeCloseTo(expected, 12);
    expect(spendOf() - spendBefore).toBeCloseTo(expected, 12);
    expect(batchRows(created.id)).toHaveLength(2);
    expect(await anthropic(one).messages.batches.delete(created.id)).toEqual({
      id: created.id,
      type: "message_batch_deleted",
    });
  });

  test("a batch body with a field besides requests, bad JSON, a params without model or an @config is a 400 naming it", async () => {
    const post = (body: string) =>
      fetch(`${planes[0].url}/anthropic/v1/messages/batches`, {
        method: "POST",
        headers: {
          "x-api-key": KEY_A,
          "anthropic-version": "2023-06-01",
          "content-type": "application/json",
        },
        body,
      });
    const request = JSON.stringify({ custom_id: "a", params: params("hi") });
    const cases: Array<[string, string]> = [
      [`{"requests":[${request}],"extra":1}`, "extra"],
      [`{"requests":[${request}`, "not a JSON message batch"],
      ['{"requests":[{"custom_id":"a","params":{"max_tokens":5}}]}', "requests.0.params.model"],
      [
        JSON.stringify({ requests: [{ custom_id: "a", params: params("hi", "@default") }] }),
        "routing config",
      ],
    ];
    for (const [body, named] of cases) {
      const answer = await post(body);
      expect([named, answer.status]).toEqual([named, 400]);
      const error = (await answer.json()) as {
        type: string;
        error: { type: string; message: string };
      };
      expect(error.type).toBe("error");
      expect(error.error.type).toBe("invalid_request_error");
      expect(error.error.message).toContain(named);
    }
  });

  test("another org's batch id is a 404 in Anthropic's shape; a batch over its budget a 402", async () => {
    const created = await anthropic(planes[0]).messages.batches.create({
      requests: [{ custom_id: "only", params: params("hi") }],
    });
    const stranger = await anthropic(planeB, KEY_B)
      .messages.batches.retrieve(created.id)
      .catch((error) => error);
    expect(stranger).toBeInstanceOf(Anthropic.NotFoundError);
    expect(stranger.error.error.type).toBe("not_found_error");
    const refused = await anthropic(planes[1], KEY_TIGHT)
      .messages.batches.create({ requests: [{ custom_id: "x", params: params("hi") }] })
      .catch((error) => error);
    expect(refused.status).toBe(402);
    const cancelled = await anthropic(planes[1]).messages.batches.cancel(created.id);
    expect(cancelled.processing_status).toBe("canceling");
  });

  test("a file uploaded through the gateway is cited by a message; anthropic-beta reaches the vendor verbatim", async () => {
    const client = anthropic(planes[0]);
    // Larger than the chat body limit: the SDK's `?beta=true` upload still gets the upload limit.
    const text = `The code word is tangerine.${" ".repeat(CHAT_LIMIT)}`;
    const file = await client.beta.files.upload({
      file: await toAnthropicFile(Buffer.from(text), "facts.txt", {
        type: "text/plain",
      }),
      betas: ["files-api-2025-04-14"],
    });
    expect(file).toMatchObject({ type: "file", filename: "facts.txt", size_bytes: text.length });
    const calls = (await (await fetch(`${simulator.url}/_sim/calls`)).json()) as {
      last: { anthropic: { headers: Record<string, string> } };
    };
    expect(calls.last.anthropic.headers["anthropic-beta"]).toBe("files-api-2025-04-14");
    const message = await anthropic(planes[1]).beta.messages.create({
      model: "claude-sonnet-4-5",
      max_tokens: 30,
      betas: ["files-api-2025-04-14"],
      messages: [
        {
          role: "user",
          content: [
            { type: "document", source: { type: "file", file_id: file.id } },
            { type: "text", text: "What is the code word?" },
          ],
        },
      ],
    });
    expect(message.type).toBe("message");
    expect((await anthropic(planes[1]).beta.files.retrieveMetadata(file.id)).id).toBe(file.id);
    expect(await (await anthropic(planes[0]).beta.files.download(file.id)).text()).toBe(text);
    expect(
      await anthropic(planeB, KEY_B)
        .beta.files.retrieveMetadata(file.id)
        .catch((error) => error),
    ).toBeInstanceOf(Anthropic.NotFoundError);
    expect((await client.beta.files.delete(file.id)).type).toBe("file_deleted");
  });
});

describe("lists per org (two orgs on one upstream account)", () => {
  const ids = async <T extends { id: string }>(pages: AsyncIterable<T>) => {
    const seen: string[] = [];
    for await (const item of pages) seen.push(item.id);
    return seen;
  };

  test("OpenAI files and batches: each org lists only its own, page by page", async () => {
    const a = openai(planes[0]);
    const b = openai(planes[1], KEY_B);
    const aFiles = [
      await batchInput(a, [chatLine("a1", "x")]),
      await batchInput(a, [chatLine("a2", "y")]),
    ];
    const bFile = await batchInput(b, [chatLine("b1", "z")]);
    const aBatch = await a.batches.create({
      input_file_id: aFiles[0]?.id as string,
      endpoint: "/v1/chat/completions",
      completion_window: "24h",
    });
    const bBatch = await b.batches.create({
      input_file_id: bFile.id,
      endpoint: "/v1/chat/completions",
      completion_window: "24h",
    });
    // The simulator holds all of them in one account; limit 1 makes the SDK page through.
    const listedByA = await ids(a.files.list({ limit: 1 }));
    const listedByB = await ids(b.files.list({ limit: 1 }));
    for (const file of aFiles) expect(listedByA).toContain(file.id);
    expect(listedByB).toContain(bFile.id);
    expect(listedByA).not.toContain(bFile.id);
    for (const file of aFiles) expect(listedByB).not.toContain(file.id);
    expect(new Set(listedByA).size).toBe(listedByA.length);
    const batchesOfA = await ids(a.batches.list({ limit: 1 }));
    const batchesOfB = await ids(b.batches.list({ limit: 1 }));
    expect(batchesOfA).toContain(aBatch.id);
    expect(batchesOfA).not.toContain(bBatch.id);
    expect(batchesOfB).toEqual([bBatch.id]);
    const page = await b.files.list({ limit: 5 });
    expect(page.data.map((file) => file.id)).toEqual([bFile.id]);
    expect(page.has_more).toBe(false);
  });

  test("Anthropic message batches and files: each org lists only its own", async () => {
    const a = anthropic(planes[0]);
    const b = anthropic(planes[1], KEY_B);
    const request = (id: string) => ({
      custom_id: id,
      params: {
        model: "claude-haiku-4-5",
        max_tokens: 10,
        messages: [{ role: "user" as const, content: "hi" }],
      },
    });
    const aBatch = await a.messages.batches.create({ requests: [request("a")] });
    const bBatch = await b.messages.batches.create({ requests: [request("b")] });
    const upload = async (client: Anthropic, name: string) =>
      client.beta.files.upload({
        file: await toAnthropicFile(Buffer.from(name), `${name}.txt`, { type: "text/plain" }),
        betas: ["files-api-2025-04-14"],
      });
    const aFile = await upload(a, "of-a");
    const bFile = await upload(b, "of-b");
    const batchesOfA = await ids(a.messages.batches.list({ limit: 1 }));
    const batchesOfB = await ids(b.messages.batches.list({ limit: 1 }));
    expect(batchesOfA).toContain(aBatch.id);
    expect(batchesOfA).not.toContain(bBatch.id);
    expect(batchesOfB).toEqual([bBatch.id]);
    const filesOfA = await ids(a.beta.files.list({ limit: 1, betas: ["files-api-2025-04-14"] }));
    const filesOfB = await ids(b.beta.files.list({ limit: 1, betas: ["files-api-2025-04-14"] }));
    expect(filesOfA).toContain(aFile.id);
    expect(filesOfA).not.toContain(bFile.id);
    expect(filesOfB).toEqual([bFile.id]);
  });
});
