// The fuzz pass of issue 14's "Done when": both planes run as the processes users run (a fleet:
// control plane, data plane, Postgres, NATS, the simulator as upstream) and take generated bad
// requests over real HTTP, so Bun's own edge is in play: odd methods, paths (NUL, traversal,
// unknown routes), query strings, headers and auth, chunked bodies, bodies that are huge, deep,
// cut, not UTF-8, not JSON, or JSON with a wrong type in every field. At least 1,000 requests go
// to each surface (OpenAI, Anthropic; shared between its routes: chat, embeddings, messages, the
// Responses API, files and batches) and to the Management API (every operation of its OpenAPI
// document, with valid and invalid management keys), then raw bytes go to both planes' sockets.
//
// Client-side fuzz must only ever draw a 2xx or a 4xx: nothing it sends is the upstream's fault
// (the upstream is the simulator, answering), so any 5xx, 502-504 included, fails. Every body is
// JSON (a 2xx stream's events are), errors in the caller's shape; no request waits more than 2 s
// (a hang bound, not a timing assertion); the processes' RSS stays under 512 MB.
//
// The seed is fixed (MODELUX_FUZZ_SEED overrides it) and printed on failure, with the request.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { hashKey, keyDisplayPrefix, newId, newSecretKey } from "#shared/ids/ids.ts";
import { MAX_FIELD_PROBLEMS } from "../../controlplane/api/errors.ts";
import { MAX_INPUT_VALUES } from "../../controlplane/api/input-guard.ts";
import { managementKeys, orgs } from "../../controlplane/db/schema/index.ts";
import { type FleetDataPlane, startFleet, type TestFleet } from "../support/fleet.ts";
import {
  type Answer,
  FuzzTally,
  problemWith,
  type Shape,
  shapeOf,
} from "../support/fuzz/answer-checks.ts";
import {
  anthropicBatchBodies,
  BATCH_INPUT_FILES,
  type BodyParts,
  jsonParts,
  openAiBatchBodies,
  resourceIds,
  uploads,
} from "../support/fuzz/files-batches-requests.ts";
import { fuzzUrls, oddValue, toJsonText, usually } from "../support/fuzz/json-values.ts";
import { type RawAnswer, rawExchange, rawRequests } from "../support/fuzz/raw-socket.ts";
import {
  bodyBytes,
  contentTypes,
  extraHeaders,
  headerText,
  oddMethods,
  oddSegment,
  queryStrings,
} from "../support/fuzz/request-parts.ts";
import {
  responseIds,
  responseQueries,
  responsesBodies,
} from "../support/fuzz/responses-requests.ts";
import { fromSchema, type JsonSchema, type SchemaHints } from "../support/fuzz/schema-values.ts";
import { servicesAbsent } from "../support/services.ts";

const SEED = Number(process.env.MODELUX_FUZZ_SEED ?? 1405);
const RUNS = Number(process.env.MODELUX_FUZZ_RUNS ?? 1000);
const RAW_RUNS = Math.ceil(RUNS / 4);
const HANG_BOUND_MS = 2000;
const RSS_BOUND_MB = 512;
const MIB = 1024 * 1024;
/** Methods Bun's fetch sends a body with (it refuses one on GET, HEAD and methods it does not know). */
const BODY_METHODS = new Set(["POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);

interface FuzzRequest {
  method: string;
  path: string;
  query: string;
  headers: Record<string, string>;
  body: Uint8Array | null;
  chunked: boolean;
}

const describeRequest = (request: FuzzRequest) => {
  const body = request.body ? new TextDecoder().decode(request.body.slice(0, 300)) : "";
  const headers = JSON.stringify(request.headers, (_key, value) =>
    typeof value === "string" && value.length > 120
      ? `${value.slice(0, 120)}…(${value.length})`
      : value,
  );
  return `${request.method} ${request.path.slice(0, 300)}${request.query.slice(0, 200)} ${headers} body(${request.body?.length ?? 0} bytes${request.chunked ? ", chunked" : ""}): ${body}`;
};

/** Sends one request; throws when no answer arrives within the hang bound. */
async function send(baseUrl: string, request: FuzzRequest): Promise<Answer> {
  const started = performance.now();
  const init: RequestInit & { duplex?: string } = {
    method: request.method,
    headers: request.headers,
    redirect: "manual",
    signal: AbortSignal.timeout(HANG_BOUND_MS),
  };
  if (request.body !== null && BODY_METHODS.has(request.method)) {
    const bytes = request.body;
    init.body = request.chunked
      ? new ReadableStream<Uint8Array>({
          start(controller) {
            // Several chunks, so the plane reads a chunked body as it arrives.
            const step = Math.max(1, Math.ceil(bytes.length / 3));
            for (let offset = 0; offset < bytes.length; offset += step)
              controller.enqueue(bytes.slice(offset, offset + step));
            controller.close();
          },
        })
      : bytes;
    if (request.chunked) init.duplex = "half";
  }
  try {
    const response = await fetch(`${baseUrl}${request.path}${request.query}`, init);
    const text = await response.text();
    return {
      status: response.status,
      contentType: response.headers.get("content-type") ?? "",
      text,
      ms: performance.now() - started,
    };
  } catch (error) {
    const waited = Math.round(performance.now() - started);
    throw new Error(
      `no answer (${(error as Error).name}: ${(error as Error).message}, ${waited} ms)`,
    );
  }
}

function rssOf(pid: number): { rssMb: number; peakMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (field: string) =>
    Number(status.match(new RegExp(`^${field}:\\s+(\\d+) kB`, "m"))?.[1]);
  return { rssMb: Math.round(kb("VmRSS") / 1024), peakMb: Math.round(kb("VmHWM") / 1024) };
}

/** Client addresses: a fresh one per request, so the failed-auth limit counts but rarely bites. */
let addressCounter = 0;
const clientAddress = fc.oneof(
  { arbitrary: fc.constant("fresh"), weight: 16 },
  { arbitrary: fc.constant("absent"), weight: 2 },
  { arbitrary: headerText(40), weight: 1 },
  {
    arbitrary: fc.constantFrom(
      "::1",
      "fe80::1%eth0",
      "1.2.3.4, 5.6.7.8",
      ",",
      "0:0:0:0:0:ffff:7f00:1",
      "999.1.1.1",
    ),
    weight: 1,
  },
);

/** A client address no request used before (198.18.0.0/15, the benchmarking range). */
const freshAddress = () => {
  addressCounter++;
  return `198.${18 + ((addressCounter >> 16) & 1)}.${(addressCounter >> 8) & 255}.${addressCounter & 255}`;
};
const withAddress = (headers: Record<string, string>, address: string) => {
  if (address === "absent") return headers;
  return { ...headers, "x-forwarded-for": address === "fresh" ? freshAddress() : address };
};

/** Path variants of a route: as is, mostly; otherwise slashes, case, NUL, unknown or long tails. */
const pathVariant = (path: string): fc.Arbitrary<string> => {
  const prefix = path.split("/").slice(0, 3).join("/");
  return fc.oneof(
    { arbitrary: fc.constant(path), weight: 14 },
    {
      arbitrary: fc.oneof(
        fc.constantFrom(
          `${path}/`,
          path.replace("/v1/", "//v1/"),
          path.toUpperCase(),
          `${path}%00`,
          `${path};x=1`,
          `${path}/%2e%2e/%2e%2e/%2e%2e/manage/v1/org`,
          `${prefix}`,
          `${prefix}/`,
          path.replace("/v1/", "/v2/"),
          `${path}/${"a/".repeat(3_000)}`,
          "/",
          "/healthz",
          "/readyz",
          "/manage/v1/org",
          "/%00",
          "/favicon.ico",
        ),
        oddSegment.map((segment) => `${path}/${segment}`),
        oddSegment.map((segment) => `${prefix}/${segment}`),
        oddSegment.map((segment) => path.replace(/\/[^/]+$/, `/${segment}`)),
      ),
      weight: 3,
    },
  );
};

describe.skipIf(servicesAbsent)("fuzz: both planes as processes", () => {
  let fleet: TestFleet;
  let plane: FleetDataPlane;
  let ownerKey: string;
  let viewerKey: string;
  let otherOrgKey: string;
  const ids: Record<string, string[]> = {};
  /** Resources made before the fuzz, so paths name real ids too (some get deleted on the way). */
  const known = {
    responses: [] as string[],
    openAiFiles: [] as string[],
    openAiBatches: [] as string[],
    anthropicFiles: [] as string[],
    anthropicBatches: [] as string[],
  };
  const tallies: Record<string, FuzzTally> = {};
  const rss: Record<
    string,
    { before?: ReturnType<typeof rssOf>; after?: ReturnType<typeof rssOf> }
  > = {};

  beforeAll(async () => {
    fleet = await startFleet({
      name: "fuzz",
      dataPlanes: 1,
      controlEnv: {
        // One key sends every Management request: the per-key rate limit would answer most.
        MODELUX_MANAGEMENT_RPM: "1000000",
        MODELUX_CLIENT_ADDRESS_HEADER: "x-forwarded-for",
        MODELUX_PROVIDER_VERIFY_TIMEOUT_MS: "1000",
        MODELUX_WEBHOOK_TIMEOUT_MS: "1000",
      },
      dataEnv: { MODELUX_CLIENT_ADDRESS_HEADER: "x-forwarded-for" },
    });
    plane = fleet.dataPlanes[0] as FleetDataPlane;
    const simulator = fleet.simulator.url;

    // More vendors behind the data plane, so translated paths are fuzzed too.
    for (const [vendor, path, key] of [["anthropic", "/v1", "sk-ant-sim"]] as const) {
      const created = await fleet.manage("POST", "/providers", {
        vendor,
        name: vendor,
        api_key: key,
        base_url: `${simulator}${path}`,
      });
      expect({
        status: created.status,
        json: created.json,
        log: created.status === 201 ? "" : fleet.output().slice(-2000),
      }).toMatchObject({ status: 201 });
    }
    await waitForModel("anthropic/claude-sonnet-4-5");
    await makeKnownResources();

    // The Management API is fuzzed in a second org of its own; the first org's ids are in the
    // pools too, so every operation is also tried across tenants.
    const { db } = fleet.database.handle;
    const orgId = newId("org");
    await db.insert(orgs).values({ id: orgId, name: "fuzz", slug: `fuzz-${orgId.slice(-6)}` });
    ownerKey = newSecretKey("management");
    await db.insert(managementKeys).values({
      id: newId("managementKey"),
      org_id: orgId,
      name: "fuzz owner",
      role: "owner",
      key_hash: hashKey(ownerKey),
      key_prefix: keyDisplayPrefix(ownerKey),
    });
    const manage = async (method: string, path: string, body: unknown) => {
      const response = await fetch(`${fleet.controlUrl}/manage/v1${path}`, {
        method,
        headers: { authorization: `Bearer ${ownerKey}`, "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      const json = (await response.json()) as { data?: Record<string, unknown> };
      if (!response.ok)
        throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
      return json.data as Record<string, unknown>;
    };
    const project = await manage("POST", "/projects", { name: "fuzz", slug: "fuzz" });
    const provider = await manage("POST", "/providers", {
      vendor: "openai",
      name: "openai",
      api_key: "sk-fuzz-upstream",
      base_url: `${simulator}/v1`,
    });
    const config = await manage("POST", "/routing-configs", {
      project_id: project.id,
      slug: "fuzz",
      config: { strategy: "single", model: "openai/gpt-4o-mini" },
    });
    const webhook = await manage("POST", "/webhooks", {
      url: `${simulator}/hook`,
      event_types: ["*"],
    });
    const apiKey = await manage("POST", "/api-keys", { project_id: project.id, name: "fuzz" });
    const viewer = await manage("POST", "/management-keys", { name: "viewer", role: "viewer" });
    viewerKey = String(viewer.key);
    otherOrgKey = String(
      (await fleet.manage("POST", "/management-keys", { name: "other", role: "admin" })).data.key,
    );
    Object.assign(ids, {
      project_id: [String(project.id), fleet.tenant.projectId],
      provider_id: [String(provider.id), fleet.tenant.providerId],
      routing_config_id: [String(config.id)],
      webhook_id: [String(webhook.id)],
      api_key_id: [String(apiKey.id)],
      management_key_id: [String(viewer.id)],
      org_id: [orgId, fleet.tenant.orgId],
    });

    for (const [name, pid] of [
      ["data plane", plane.child.process.pid],
      ["control plane", fleet.controlPlane.process.pid],
    ] as const)
      rss[name] = { before: rssOf(pid) };
  }, 90_000);

  afterAll(async () => {
    const lines = Object.entries(tallies).map(([name, tally]) => `  ${name}: ${tally.summary()}`);
    const memory = Object.entries(rss).map(
      ([name, figures]) =>
        `  ${name}: RSS ${figures.before?.rssMb} MB before, ${figures.after?.rssMb} MB after, peak ${figures.after?.peakMb ?? figures.before?.peakMb} MB`,
    );
    for (const [name, byStatus] of Object.entries(transportRefusals))
      lines.push(
        `  ${name}: Bun's own refusals ${[...byStatus].map(([status, count]) => `${status}×${count}`).join(" ") || "none"}, closed without answer ${closedWithoutAnswer[name] ?? 0}`,
      );
    console.log(
      `fuzz (seed ${SEED}, ${RUNS} runs per surface):\n${[...lines, ...memory].join("\n")}`,
    );
    await fleet?.stop();
  }, 30_000);

  async function waitForModel(model: string) {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const response = await fetch(`${plane.url}/openai/v1/chat/completions`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${fleet.tenant.proxyKey}`,
          "content-type": "application/json",
        },
        body: JSON.stringify({ model, messages: [{ role: "user", content: "hi" }] }),
      });
      if (response.ok) return;
      if (Date.now() > deadline) throw new Error(`${model} never served: ${await response.text()}`);
      await Bun.sleep(100);
    }
  }

  /** Stored responses, files holding bad JSONL lines and batches, named by the fuzzed paths. */
  async function makeKnownResources() {
    const call = async (path: string, init: RequestInit) => {
      const response = await fetch(`${plane.url}${path}`, {
        ...init,
        headers: {
          authorization: `Bearer ${fleet.tenant.proxyKey}`,
          "anthropic-version": "2023-06-01",
          ...(init.headers as Record<string, string>),
        },
      });
      const body = (await response.json()) as { id?: string };
      if (!response.ok || typeof body.id !== "string")
        throw new Error(`setup ${path}: ${response.status} ${JSON.stringify(body)}`);
      return body.id;
    };
    const jsonInit = (body: unknown): RequestInit => ({
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    for (const model of ["openai/gpt-4o-mini", "anthropic/claude-sonnet-4-5", "openai/gpt-4o-mini"])
      known.responses.push(
        await call("/openai/v1/responses", jsonInit({ model, input: "hi", store: true })),
      );
    for (const [name, content] of Object.entries(BATCH_INPUT_FILES)) {
      const form = new FormData();
      form.append("purpose", "batch");
      form.append("file", new File([content], `${name}.jsonl`));
      known.openAiFiles.push(await call("/openai/v1/files", { method: "POST", body: form }));
    }
    known.openAiBatches.push(
      await call(
        "/openai/v1/batches",
        jsonInit({
          input_file_id: known.openAiFiles[0],
          endpoint: "/v1/chat/completions",
          completion_window: "24h",
        }),
      ),
    );
    const anthropicForm = new FormData();
    anthropicForm.append("file", new File(["hello"], "a.txt", { type: "text/plain" }));
    known.anthropicFiles.push(
      await call("/anthropic/v1/files", {
        method: "POST",
        headers: { "anthropic-beta": "files-api-2025-04-14" },
        body: anthropicForm,
      }),
    );
    known.anthropicBatches.push(
      await call(
        "/anthropic/v1/messages/batches",
        jsonInit({
          requests: [
            {
              custom_id: "a",
              params: {
                model: "anthropic/claude-sonnet-4-5",
                max_tokens: 10,
                messages: [{ role: "user", content: "hi" }],
              },
            },
          ],
        }),
      ),
    );
  }

  /** Runs a property over generated requests, each checked against the contract and tallied. */
  async function fuzz(
    name: string,
    baseUrl: string,
    planeName: "data" | "control",
    requests: fc.Arbitrary<FuzzRequest>,
    shapeFor: (pathname: string) => Shape = (pathname) => shapeOf(pathname, planeName),
  ) {
    const tally = new FuzzTally();
    tallies[name] = tally;
    const details = await fc.check(
      fc.asyncProperty(requests, async (request) => {
        let answer: Answer;
        try {
          answer = await send(baseUrl, request);
        } catch (error) {
          throw new Error(`${(error as Error).message}: ${describeRequest(request)}`);
        }
        const pathname = new URL(`${baseUrl}${request.path}${request.query}`).pathname;
        const problem = problemWith(answer, shapeFor(pathname), request.method);
        tally.record(answer, problem, describeRequest(request));
        if (problem)
          throw new Error(
            `${problem}: ${describeRequest(request)} → ${answer.status} ${answer.text.slice(0, 500)}`,
          );
      }),
      { seed: SEED, numRuns: RUNS, endOnFailure: true },
    );
    if (details.failed) {
      // fast-check's own report quotes the whole request (megabytes at times): ours is cut short.
      const cause =
        details.errorInstance instanceof Error
          ? details.errorInstance.message
          : String(details.errorInstance);
      throw new Error(
        `fuzz ${name} failed at run ${details.numRuns} (reproduce: MODELUX_FUZZ_SEED=${details.seed}, path ${details.counterexamplePath}): ${cause}\n${fleet.output().slice(-3000)}`,
      );
    }
    expect(tally.requests).toBe(RUNS);
    expect(tally.serverErrors).toBe(0);
    expect(tally.nonJson).toBe(0);
  }

  // --- data plane surfaces -------------------------------------------------------------------

  const models = fc.constantFrom(
    "@default",
    "openai/gpt-4o-mini",
    "anthropic/claude-sonnet-4-5",
    "gpt-4o-mini",
  );
  const text = fc.oneof(fc.string({ maxLength: 60 }), fc.constant("What is the weather?"));
  const schema = { type: "object", properties: { city: { type: "string" } }, required: ["city"] };

  function openAiBodies(route: string): fc.Arbitrary<unknown> {
    if (route === "embeddings")
      return fc.record(
        {
          model: usually(
            fc.constantFrom("openai/text-embedding-3-small", "text-embedding-3-small", "@default"),
          ),
          input: usually(
            fc.oneof(
              text,
              fc.array(text, { maxLength: 4 }),
              fc.array(fc.integer({ min: -5, max: 100_000 }), { maxLength: 8 }),
              fc.integer({ min: 1, max: 5_000 }).map((count) => new Array(count).fill("a")),
            ),
          ),
          dimensions: usually(fc.integer({ min: -2, max: 100_000 })),
          encoding_format: usually(fc.constantFrom("float", "base64", "int8")),
          user: usually(fc.string({ maxLength: 20 })),
        },
        { requiredKeys: [] },
      );
    const content = fc.oneof(
      text,
      fc.array(
        fc.oneof(
          fc.record({ type: fc.constant("text"), text }),
          fc.record({
            type: fc.constant("image_url"),
            image_url: fc.record({
              url: fc.constantFrom("data:image/png;base64,AAAA", "http://127.0.0.1:1/x.png", "x"),
            }),
          }),
          oddValue,
        ),
        { maxLength: 3 },
      ),
    );
    const message = fc.record(
      {
        role: usually(fc.constantFrom("user", "assistant", "system", "tool", "developer")),
        content: usually(content),
        name: usually(fc.string({ maxLength: 10 })),
        tool_call_id: usually(fc.string({ maxLength: 10 })),
        tool_calls: usually(
          fc.array(
            fc.record({
              id: fc.string({ maxLength: 8 }),
              type: fc.constant("function"),
              function: fc.record({
                name: fc.constant("get_weather"),
                arguments: fc.string({ maxLength: 20 }),
              }),
            }),
            { maxLength: 2 },
          ),
        ),
      },
      { requiredKeys: ["role"] },
    );
    return fc.record(
      {
        model: usually(models),
        messages: usually(fc.array(message, { minLength: 1, maxLength: 3 })),
        max_tokens: usually(fc.integer({ min: 1, max: 300 })),
        max_completion_tokens: usually(fc.integer({ min: 1, max: 300 })),
        stream: usually(fc.boolean()),
        stream_options: usually(fc.record({ include_usage: fc.boolean() })),
        temperature: usually(fc.double({ min: 0, max: 2, noNaN: true })),
        top_p: usually(fc.double({ min: 0, max: 1, noNaN: true })),
        n: usually(fc.integer({ min: 1, max: 3 })),
        seed: usually(fc.integer()),
        stop: usually(
          fc.oneof(
            fc.string({ maxLength: 5 }),
            fc.array(fc.string({ maxLength: 5 }), { maxLength: 4 }),
          ),
        ),
        logit_bias: usually(
          fc.dictionary(
            fc.integer({ min: 0, max: 100_000 }).map(String),
            fc.integer({ min: -100, max: 100 }),
            { maxKeys: 3 },
          ),
        ),
        logprobs: usually(fc.boolean()),
        top_logprobs: usually(fc.integer({ min: 0, max: 20 })),
        tools: usually(
          fc.array(
            fc.record({
              type: fc.constant("function"),
              function: fc.record({
                name: fc.constantFrom("get_weather", "lookup"),
                parameters: usually(fc.constant(schema)),
              }),
            }),
            { maxLength: 2 },
          ),
        ),
        tool_choice: usually(
          fc.constantFrom("auto", "none", "required", {
            type: "function",
            function: { name: "get_weather" },
          }),
        ),
        response_format: usually(
          fc.constantFrom(
            { type: "text" },
            { type: "json_object" },
            { type: "json_schema", json_schema: { name: "x", schema } },
          ),
        ),
        presence_penalty: usually(fc.double({ min: -2, max: 2, noNaN: true })),
        user: usually(fc.string({ maxLength: 20 })),
        metadata: usually(
          fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }), { maxKeys: 3 }),
        ),
        "mlx:tags": usually(
          fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }), { maxKeys: 3 }),
        ),
        "mlx:trace": usually(fc.boolean()),
        [`unknown_${"field"}`]: oddValue,
      },
      { requiredKeys: [] },
    );
  }

  function anthropicBodies(route: string): fc.Arbitrary<unknown> {
    const block = fc.oneof(
      fc.record({ type: fc.constant("text"), text }),
      fc.record({
        type: fc.constant("image"),
        source: fc.record({
          type: fc.constant("base64"),
          media_type: fc.constantFrom("image/png", "x"),
          data: fc.constantFrom("AAAA", "!!"),
        }),
      }),
      fc.record({
        type: fc.constant("tool_result"),
        tool_use_id: fc.string({ maxLength: 8 }),
        content: usually(text),
      }),
      fc.record({
        type: fc.constant("tool_use"),
        id: fc.string({ maxLength: 8 }),
        name: fc.constant("get_weather"),
        input: usually(fc.constant({ city: "x" })),
      }),
      fc.record({
        type: fc.constant("thinking"),
        thinking: text,
        signature: fc.string({ maxLength: 8 }),
      }),
      oddValue,
    );
    const message = fc.record(
      {
        role: usually(fc.constantFrom("user", "assistant")),
        content: usually(fc.oneof(text, fc.array(block, { maxLength: 3 }))),
      },
      { requiredKeys: ["role", "content"] },
    );
    const common = {
      model: usually(models),
      messages: usually(fc.array(message, { minLength: 1, maxLength: 3 })),
      system: usually(
        fc.oneof(text, fc.array(fc.record({ type: fc.constant("text"), text }), { maxLength: 2 })),
      ),
      tools: usually(
        fc.array(
          fc.record({
            name: fc.constantFrom("get_weather", "lookup"),
            input_schema: usually(fc.constant(schema)),
          }),
          { maxLength: 2 },
        ),
      ),
      tool_choice: usually(
        fc.constantFrom(
          { type: "auto" },
          { type: "any" },
          { type: "tool", name: "get_weather" },
          { type: "none" },
        ),
      ),
      thinking: usually(
        fc.record({
          type: fc.constantFrom("enabled", "disabled"),
          budget_tokens: fc.integer({ min: -1, max: 100_000 }),
        }),
      ),
    };
    if (route === "messages/count_tokens") return fc.record(common, { requiredKeys: [] });
    return fc.record(
      {
        ...common,
        max_tokens: usually(fc.integer({ min: 1, max: 300 })),
        stream: usually(fc.boolean()),
        temperature: usually(fc.double({ min: 0, max: 1, noNaN: true })),
        top_k: usually(fc.integer({ min: 0, max: 500 })),
        top_p: usually(fc.double({ min: 0, max: 1, noNaN: true })),
        stop_sequences: usually(
          fc.array(fc.string({ minLength: 1, maxLength: 5 }), { maxLength: 3 }),
        ),
        metadata: usually(fc.record({ user_id: fc.string({ maxLength: 10 }) })),
        service_tier: usually(fc.constantFrom("auto", "standard_only")),
        "mlx:tags": usually(
          fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }), { maxKeys: 2 }),
        ),
      },
      { requiredKeys: [] },
    );
  }

  function proxyAuth(surface: "openai" | "anthropic"): fc.Arbitrary<Record<string, string>> {
    const key = () => fleet.tenant.proxyKey;
    return fc.oneof(
      {
        arbitrary: fc.constant(null).map(() => ({ authorization: `Bearer ${key()}` })),
        weight: 12,
      },
      {
        arbitrary: fc.constant(null).map(() => ({ "x-api-key": key() })),
        weight: surface === "anthropic" ? 3 : 1,
      },
      {
        arbitrary: fc.oneof(
          fc.constant({}),
          fc
            .constantFrom(
              "Bearer",
              "Bearer ",
              "bearer KEY",
              "Basic dXNlcjpwYXNz",
              "Bearer MGMT",
              "Bearer KEYx",
              `Bearer mlx_sk_${"a".repeat(40)}`,
              "Bearer KEY KEY",
              "Token KEY",
              `Bearer ${"k".repeat(10_000)}`,
              "Bearer mlx_sk_",
            )
            .map((value) => ({
              authorization: value.replaceAll("KEY", key()).replace("MGMT", ownerKey),
            })),
          headerText().map((value) => ({ authorization: `Bearer ${value}` })),
          headerText().map((value) => ({ "x-api-key": value })),
        ),
        weight: 4,
      },
    );
  }

  interface RouteSpec {
    method: string;
    weight: number;
    path: fc.Arbitrary<string>;
    parts: fc.Arbitrary<BodyParts>;
    query?: fc.Arbitrary<string>;
  }

  /** A route: its method, a path (ids drawn per request) and its body and content type. */
  const route = (
    method: string,
    weight: number,
    path: string | fc.Arbitrary<string>,
    parts: fc.Arbitrary<BodyParts>,
    query?: fc.Arbitrary<string>,
  ): RouteSpec => ({
    method,
    weight,
    path: (typeof path === "string" ? fc.constant(path) : path).chain(pathVariant),
    parts,
    query,
  });
  const json = (bodies: fc.Arbitrary<unknown>) => jsonParts(bodies, bodyBytes, contentTypes);
  /** What a GET or a bodiless POST carries when a fuzzed one has a body anyway. */
  const stray = json(oddValue);

  /** Routes of a surface; the request budget is shared, so a new route makes no run longer. */
  function surfaceRoutes(surface: "openai" | "anthropic"): RouteSpec[] {
    const withId = (prefix: string, ids: fc.Arbitrary<string>, suffix = "") =>
      ids.map((id) => `${prefix}/${id}${suffix}`);
    if (surface === "openai") {
      const base = "/openai/v1";
      const responseId = responseIds(() => known.responses);
      const fileId = resourceIds(() => known.openAiFiles, ["file-", "file_mlx", "batch_"]);
      const batchId = resourceIds(() => known.openAiBatches, ["batch_", "batch_mlx", "file-"]);
      return [
        route("POST", 9, `${base}/chat/completions`, json(openAiBodies("chat/completions"))),
        route("POST", 3, `${base}/embeddings`, json(openAiBodies("embeddings"))),
        route("GET", 1, `${base}/models`, stray),
        route("POST", 7, `${base}/responses`, json(responsesBodies(models))),
        route("GET", 1, withId(`${base}/responses`, responseId), stray, responseQueries),
        route(
          "GET",
          1,
          withId(`${base}/responses`, responseId, "/input_items"),
          stray,
          responseQueries,
        ),
        route("POST", 1, withId(`${base}/responses`, responseId, "/cancel"), stray),
        route("DELETE", 1, withId(`${base}/responses`, responseId), stray),
        route("POST", 2, `${base}/files`, uploads),
        route("GET", 1, `${base}/files`, stray),
        route("GET", 1, withId(`${base}/files`, fileId), stray),
        route("GET", 1, withId(`${base}/files`, fileId, "/content"), stray),
        route("POST", 3, `${base}/batches`, json(openAiBatchBodies(fileId))),
        route("GET", 1, withId(`${base}/batches`, batchId), stray),
        route("POST", 1, withId(`${base}/batches`, batchId, "/cancel"), stray),
      ];
    }
    const base = "/anthropic/v1";
    const batchId = resourceIds(() => known.anthropicBatches, ["msgbatch_", "msgbatch_mlx"]);
    const fileId = resourceIds(() => known.anthropicFiles, ["file_", "file-"]);
    return [
      route("POST", 9, `${base}/messages`, json(anthropicBodies("messages"))),
      route(
        "POST",
        3,
        `${base}/messages/count_tokens`,
        json(anthropicBodies("messages/count_tokens")),
      ),
      route("POST", 3, `${base}/messages/batches`, json(anthropicBatchBodies(models))),
      route("GET", 1, `${base}/messages/batches`, stray),
      route("GET", 1, withId(`${base}/messages/batches`, batchId), stray),
      route("GET", 1, withId(`${base}/messages/batches`, batchId, "/results"), stray),
      route("POST", 1, withId(`${base}/messages/batches`, batchId, "/cancel"), stray),
      route("DELETE", 1, withId(`${base}/messages/batches`, batchId), stray),
      route("POST", 2, `${base}/files`, uploads),
      route("GET", 1, withId(`${base}/files`, fileId), stray),
    ];
  }

  function surfaceRequests(surface: "openai" | "anthropic"): fc.Arbitrary<FuzzRequest> {
    return fc
      .oneof(
        ...surfaceRoutes(surface).map((spec) => ({
          arbitrary: fc.constant(spec),
          weight: spec.weight,
        })),
      )
      .chain((spec) =>
        fc.record({
          method: fc.oneof(
            { arbitrary: fc.constant(spec.method), weight: 12 },
            { arbitrary: oddMethods, weight: 1 },
          ),
          path: spec.path,
          query: spec.query ? fc.oneof(spec.query, queryStrings) : queryStrings,
          auth: proxyAuth(surface),
          parts: spec.parts,
          anthropicVersion: fc.option(fc.constantFrom("2023-06-01", "2023-01-01", "x"), {
            freq: 3,
          }),
          extra: extraHeaders,
          address: clientAddress,
          chunked: fc.boolean(),
        }),
      )
      .map((generated) => {
        let headers: Record<string, string> = { ...generated.extra, ...generated.auth };
        if (generated.parts.contentType !== null)
          headers["content-type"] = generated.parts.contentType;
        if (surface === "anthropic" && generated.anthropicVersion !== null)
          headers["anthropic-version"] = generated.anthropicVersion;
        headers = withAddress(headers, generated.address);
        return {
          method: generated.method,
          path: generated.path,
          query: generated.query,
          headers,
          body: generated.parts.body,
          chunked: generated.chunked,
        };
      });
  }

  test("OpenAI surface: generated bad requests draw 2xx or 4xx, JSON in OpenAI's shape", async () => {
    await fuzz("OpenAI surface", plane.url, "data", surfaceRequests("openai"));
  }, 180_000);

  test("Anthropic surface: generated bad requests draw 2xx or 4xx, JSON in Anthropic's shape", async () => {
    await fuzz("Anthropic surface", plane.url, "data", surfaceRequests("anthropic"));
  }, 180_000);

  // --- Management API ------------------------------------------------------------------------

  interface OperationEntry {
    method: string;
    path: string;
    pathParams: string[];
    query: Array<{ name: string; schema?: JsonSchema }>;
    body: JsonSchema | null;
    produces: string[];
  }

  async function managementOperations(): Promise<OperationEntry[]> {
    const response = await fetch(`${fleet.controlUrl}/manage/v1/openapi.json`);
    const document = (await response.json()) as {
      paths: Record<string, Record<string, Record<string, unknown>>>;
    };
    const entries: OperationEntry[] = [];
    for (const [path, methods] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(methods)) {
        const parameters = (operation.parameters ?? []) as Array<{
          name: string;
          in: string;
          schema?: JsonSchema;
        }>;
        const requestBody = operation.requestBody as
          | { content: Record<string, { schema: JsonSchema }> }
          | undefined;
        const success = Object.entries(
          operation.responses as Record<string, { content?: Record<string, unknown> }>,
        )
          .filter(([status]) => status.startsWith("2"))
          .flatMap(([, answer]) => Object.keys(answer.content ?? {}));
        entries.push({
          method: method.toUpperCase(),
          path,
          pathParams: parameters
            .filter((parameter) => parameter.in === "path")
            .map((parameter) => parameter.name),
          query: parameters.filter((parameter) => parameter.in === "query"),
          body: requestBody?.content["application/json"]?.schema ?? null,
          produces: success.filter((type) => !type.includes("json")),
        });
      }
    }
    return entries;
  }

  function managementRequests(operations: OperationEntry[]): fc.Arbitrary<FuzzRequest> {
    const hints: SchemaHints = {
      urls: fuzzUrls(fleet.simulator.url),
      fields: {
        project_id: fc.constantFrom(...(ids.project_id as string[])),
        config: fc.constantFrom(
          { strategy: "single", model: "openai/gpt-4o-mini" },
          { strategy: "fallback", targets: [{ model: "openai/gpt-4o-mini" }, { model: "@fuzz" }] },
          {
            strategy: "custom_rules",
            rules: [{ when: "request.tokens > 10", target: { model: "gpt-4o-mini" } }],
            default: { model: "gpt-4o-mini" },
          },
        ),
        vendor: fc.constantFrom("openai", "anthropic", "openai-compatible"),
        name: fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/),
        slug: fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/),
      },
    };
    const pool = (name: string) =>
      fc.oneof(
        { arbitrary: fc.constantFrom(...(ids[name] ?? ["missing"])), weight: ids[name] ? 3 : 0 },
        { arbitrary: oddSegment, weight: 2 },
        { arbitrary: fc.integer({ min: -2, max: 100 }).map(String), weight: 1 },
      );
    const auth = fc.oneof(
      { arbitrary: fc.constant("owner"), weight: 12 },
      { arbitrary: fc.constant("viewer"), weight: 2 },
      { arbitrary: fc.constant("other org"), weight: 1 },
      {
        arbitrary: fc.oneof(
          fc.constantFrom(
            "none",
            "Bearer",
            "Basic dXNlcjpwYXNz",
            "PROXY",
            `mlx_mk_${"z".repeat(30)}`,
            "revoked-looking",
          ),
          headerText(),
        ),
        weight: 3,
      },
    );
    const keyFor = (choice: string) => {
      switch (choice) {
        case "owner":
          return `Bearer ${ownerKey}`;
        case "viewer":
          return `Bearer ${viewerKey}`;
        case "other org":
          return `Bearer ${otherOrgKey}`;
        case "PROXY":
          return `Bearer ${fleet.tenant.proxyKey}`;
        case "none":
          return null;
        default:
          return choice.startsWith("mlx_mk_") ? `Bearer ${choice}` : choice;
      }
    };
    const operation = fc.oneof(
      { arbitrary: fc.constantFrom(...operations), weight: 20 },
      {
        arbitrary: fc.constantFrom<OperationEntry>(
          {
            method: "GET",
            path: "/openapi.json",
            pathParams: [],
            query: [],
            body: null,
            produces: [],
          },
          {
            method: "GET",
            path: "/../docs",
            pathParams: [],
            query: [],
            body: null,
            produces: ["text/html"],
          },
          { method: "POST", path: "/nope", pathParams: [], query: [], body: null, produces: [] },
          {
            method: "GET",
            path: "/projects/{project_id}/nope",
            pathParams: ["project_id"],
            query: [],
            body: null,
            produces: [],
          },
        ),
        weight: 1,
      },
    );
    return operation
      .chain((entry) => {
        const params: Record<string, fc.Arbitrary<string>> = {};
        for (const name of entry.pathParams) params[name] = pool(name);
        const query: Record<string, fc.Arbitrary<unknown>> = {};
        for (const parameter of entry.query)
          query[parameter.name] = fromSchema(parameter.schema, hints);
        const body = entry.body
          ? fc.oneof(
              { arbitrary: fromSchema(entry.body, hints).map(toJsonText), weight: 8 },
              { arbitrary: oddValue.map(toJsonText), weight: 1 },
            )
          : oddValue.map(toJsonText);
        return fc.record({
          entry: fc.constant(entry),
          method: fc.oneof(
            { arbitrary: fc.constant(entry.method), weight: 12 },
            { arbitrary: oddMethods, weight: 1 },
          ),
          params: fc.record(params),
          query: fc.record(query, { requiredKeys: [] }),
          rawQuery: fc.oneof(
            { arbitrary: fc.constant(""), weight: 6 },
            { arbitrary: queryStrings.map((q) => q.replace("?", "&")), weight: 1 },
          ),
          tail: fc.oneof(
            { arbitrary: fc.constant(""), weight: 14 },
            { arbitrary: fc.constantFrom("/", "%00", "/x", "//"), weight: 1 },
          ),
          auth,
          contentType: contentTypes,
          idempotencyKey: fc.option(fc.oneof(headerText(40), fc.constant("k".repeat(300))), {
            freq: 4,
          }),
          extra: extraHeaders,
          address: clientAddress,
          body: entry.body
            ? fc.option(bodyBytes(body), { freq: 10 })
            : fc.option(bodyBytes(body), { freq: 1, nil: null }).map((value) => value),
          chunked: fc.boolean(),
        });
      })
      .map((generated) => {
        let path = generated.entry.path;
        for (const [name, value] of Object.entries(generated.params))
          path = path.replace(`{${name}}`, value);
        const search = Object.entries(generated.query)
          .map(
            ([name, value]) =>
              `${encodeURIComponent(name)}=${encodeURIComponent((typeof value === "string" ? value : toJsonText(value)).slice(0, 20_000).toWellFormed())}`,
          )
          .join("&");
        const query = search || generated.rawQuery ? `?${search}${generated.rawQuery}` : "";
        let headers: Record<string, string> = { ...generated.extra };
        const authorization = keyFor(generated.auth);
        if (authorization !== null) headers.authorization = authorization;
        if (generated.contentType !== null) headers["content-type"] = generated.contentType;
        if (generated.idempotencyKey !== null)
          headers["idempotency-key"] = generated.idempotencyKey;
        headers = withAddress(headers, generated.address);
        return {
          method: generated.method,
          path: `/manage/v1${path}${generated.tail}`,
          query,
          headers,
          body: generated.body,
          chunked: generated.chunked,
        };
      });
  }

  /** MCP: JSON-RPC over POST /mcp, tools called with fuzzed arguments. */
  function mcpRequests(operations: OperationEntry[]): fc.Arbitrary<FuzzRequest> {
    const hints: SchemaHints = { urls: fuzzUrls(fleet.simulator.url), fields: {} };
    const toolNames = [
      "list_projects",
      "get_org",
      "create_project",
      "get_project",
      "delete_project",
      "create_provider",
      "export_logs",
    ];
    const call = fc.record(
      {
        jsonrpc: usually(fc.constant("2.0")),
        id: usually(fc.oneof(fc.integer(), fc.string({ maxLength: 8 }))),
        method: usually(
          fc.constantFrom(
            "tools/call",
            "tools/list",
            "initialize",
            "ping",
            "resources/list",
            "nope",
          ),
        ),
        params: usually(
          fc.record({
            name: usually(fc.constantFrom(...toolNames)),
            arguments: fc.oneof(
              fromSchema(operations.find((entry) => entry.body)?.body ?? undefined, hints),
              fc.record({
                project_id: fc.constantFrom(...(ids.project_id as string[]), "%00", "\u0000"),
              }),
              oddValue,
            ),
          }),
        ),
      },
      { requiredKeys: ["jsonrpc", "method"] },
    );
    return fc
      .record({
        method: fc.oneof(
          { arbitrary: fc.constant("POST"), weight: 10 },
          { arbitrary: oddMethods, weight: 1 },
        ),
        auth: fc.oneof(
          { arbitrary: fc.constant(true), weight: 5 },
          { arbitrary: fc.constant(false), weight: 1 },
        ),
        accept: fc.constantFrom(
          "application/json, text/event-stream",
          "application/json",
          "*/*",
          "text/html",
        ),
        body: bodyBytes(
          fc.oneof(call.map(toJsonText), fc.array(call, { maxLength: 3 }).map(toJsonText)),
        ),
        address: clientAddress,
      })
      .map((generated) => ({
        method: generated.method,
        path: "/mcp",
        query: "",
        headers: withAddress(
          {
            ...(generated.auth ? { authorization: `Bearer ${ownerKey}` } : {}),
            "content-type": "application/json",
            accept: generated.accept,
          },
          generated.address,
        ),
        body: generated.body,
        chunked: false,
      }));
  }

  test("Management API: generated bad requests to every operation draw 2xx or 4xx, JSON in its shape", async () => {
    const operations = await managementOperations();
    expect(operations.length).toBeGreaterThan(70);
    const requests = fc.oneof(
      { arbitrary: managementRequests(operations), weight: 9 },
      { arbitrary: mcpRequests(operations), weight: 1 },
    );
    await fuzz("Management API", fleet.controlUrl, "control", requests, (pathname) =>
      pathname === "/mcp" ? "mcp" : "management",
    );
    // The fuzz reached every operation's handler, not just the auth check in front of them.
    const tally = tallies["Management API"] as FuzzTally;
    expect(tally.statuses.get(200) ?? 0).toBeGreaterThan(50);
  }, 240_000);

  // --- raw HTTP: what no client library sends --------------------------------------------------

  /** Bun's own refusals of unparseable HTTP (empty 4xx, no content type), before any modelux code. */
  const transportRefusals: Record<string, Map<number, number>> = {};
  /** 400 for what it cannot parse, 505 for a request line whose version is not HTTP/1.x. */
  const BUN_REFUSALS = new Set([400, 505]);
  const closedWithoutAnswer: Record<string, number> = {};

  async function fuzzRaw(
    name: string,
    baseUrl: string,
    paths: string[],
    authorization: () => string,
  ) {
    const tally = new FuzzTally();
    tallies[name] = tally;
    transportRefusals[name] = new Map();
    closedWithoutAnswer[name] = 0;
    const port = Number(new URL(baseUrl).port);
    const details = await fc.check(
      fc.asyncProperty(
        rawRequests({
          paths,
          authorization,
          headerLines: () => [`X-Forwarded-For: ${freshAddress()}`],
        }),
        async ({ bytes, method, summary }) => {
          let answer: RawAnswer;
          try {
            answer = await rawExchange(port, bytes, HANG_BOUND_MS);
          } catch (error) {
            throw new Error(`${(error as Error).message}: ${summary}`);
          }
          if (answer.status === null) {
            closedWithoutAnswer[name] = (closedWithoutAnswer[name] ?? 0) + 1;
            return;
          }
          // Bun's HTTP parser answers what it cannot parse itself, with an empty body and no
          // content type, before any modelux code runs; counted apart, by status, and reported.
          const refusedByBun = answer.text === "" && answer.contentType === "";
          if (refusedByBun) {
            const byStatus = transportRefusals[name] ?? new Map<number, number>();
            transportRefusals[name] = byStatus;
            byStatus.set(answer.status, (byStatus.get(answer.status) ?? 0) + 1);
            if (!BUN_REFUSALS.has(answer.status))
              throw new Error(`Bun answered ${answer.status} alone: ${summary}`);
            return;
          }
          const checked = { ...answer, status: answer.status };
          const problem = problemWith(checked, "any", method.toUpperCase());
          tally.record(checked, problem, summary);
          if (problem)
            throw new Error(
              `${problem}: ${summary} → ${answer.status} ${answer.text.slice(0, 300)}`,
            );
        },
      ),
      { seed: SEED, numRuns: RAW_RUNS, endOnFailure: true },
    );
    if (details.failed) {
      const cause =
        details.errorInstance instanceof Error
          ? details.errorInstance.message
          : String(details.errorInstance);
      throw new Error(
        `raw fuzz ${name} failed at run ${details.numRuns} (reproduce: MODELUX_FUZZ_SEED=${details.seed}, path ${details.counterexamplePath}): ${cause}\n${fleet.output().slice(-3000)}`,
      );
    }
    expect(tally.serverErrors).toBe(0);
    expect(tally.nonJson).toBe(0);
  }

  test("raw HTTP to the data plane: bad request lines, headers and framing draw no 5xx and no hang", async () => {
    await fuzzRaw(
      "data plane, raw HTTP",
      plane.url,
      [
        "/openai/v1/chat/completions",
        "/openai/v1/embeddings",
        "/anthropic/v1/messages",
        "/anthropic/v1/messages/count_tokens",
        "/openai/v1/models",
        "/healthz",
        "/nope",
      ],
      () => `Bearer ${fleet.tenant.proxyKey}`,
    );
  }, 120_000);

  test("raw HTTP to the control plane: bad request lines, headers and framing draw no 5xx and no hang", async () => {
    await fuzzRaw(
      "control plane, raw HTTP",
      fleet.controlUrl,
      [
        "/manage/v1/projects",
        "/manage/v1/org",
        "/manage/v1/routing-configs",
        "/mcp",
        "/healthz",
        "/nope",
      ],
      () => `Bearer ${ownerKey}`,
    );
  }, 120_000);

  // --- defects this fuzz found, each kept as a test of its own -----------------------------------

  test("a Host header that makes no URL is a 400 in the caller's shape, chunked or not", async () => {
    // Was: a 404 "no route at /v1/chat/completions" (routers misread the relative URL Bun
    // leaves), and Bun's HTML 500 with a stack trace for a chunked body or on the control plane.
    const request = (path: string, authorization: string, host: string, chunked: boolean) =>
      new TextEncoder().encode(
        `POST ${path} HTTP/1.1\r\nHost: ${host}\r\nAuthorization: ${authorization}\r\nX-Forwarded-For: ${freshAddress()}\r\nContent-Type: application/json\r\n${chunked ? "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n2\r\n{}\r\n0\r\n\r\n" : "Content-Length: 2\r\nConnection: close\r\n\r\n{}"}`,
      );
    const dataPort = Number(new URL(plane.url).port);
    const controlPort = Number(new URL(fleet.controlUrl).port);
    const proxy = `Bearer ${fleet.tenant.proxyKey}`;
    for (const host of ["a^b", "[::1"]) {
      for (const chunked of [false, true]) {
        const anthropic = await rawExchange(
          dataPort,
          request("/anthropic/v1/messages", proxy, host, chunked),
          HANG_BOUND_MS,
        );
        expect({ host, chunked, status: anthropic.status }).toEqual({ host, chunked, status: 400 });
        expect(JSON.parse(anthropic.text)).toMatchObject({
          type: "error",
          error: { type: "invalid_request_error" },
        });
        const openai = await rawExchange(
          dataPort,
          request("/openai/v1/chat/completions", proxy, host, chunked),
          HANG_BOUND_MS,
        );
        expect({ host, chunked, status: openai.status }).toEqual({ host, chunked, status: 400 });
        expect(JSON.parse(openai.text)).toMatchObject({
          error: { type: "invalid_request_error", param: "host" },
        });
        const management = await rawExchange(
          controlPort,
          request("/manage/v1/nope", `Bearer ${ownerKey}`, host, chunked),
          HANG_BOUND_MS,
        );
        expect({ host, chunked, status: management.status }).toEqual({
          host,
          chunked,
          status: 400,
        });
        expect(JSON.parse(management.text)).toMatchObject({
          error: { type: "invalid_request", status: 400, fields: [{ field: "headers.host" }] },
        });
      }
    }
  });

  test("a Management body holding more values than any operation needs is refused before validation", async () => {
    // 2,000,000 wrong items in 4 MB: listing every problem took seconds and answered ~400 MB.
    const body = `{"name":"many","slug":"many","settings":{"redaction":{"enabled":true,"patterns":[${"0,".repeat(2_000_000)}0]}}}`;
    const response = await fetch(`${fleet.controlUrl}/manage/v1/projects`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${ownerKey}`,
        "content-type": "application/json",
        "x-forwarded-for": freshAddress(),
      },
      body,
      signal: AbortSignal.timeout(10_000),
    });
    const text = await response.text();
    expect(response.status).toBe(400);
    expect(text.length).toBeLessThan(2_000);
    const json = JSON.parse(text);
    expect(json.error.fields).toEqual([
      {
        field: "body.settings.redaction.patterns",
        message: `more than ${MAX_INPUT_VALUES} values in the body`,
      },
    ]);
  }, 30_000);

  test("a Management validation error lists at most 20 problems and counts the rest", async () => {
    const response = await fetch(`${fleet.controlUrl}/manage/v1/webhooks`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${ownerKey}`,
        "content-type": "application/json",
        "x-forwarded-for": freshAddress(),
      },
      body: JSON.stringify({
        url: `${fleet.simulator.url}/hook`,
        event_types: new Array(100).fill(0),
      }),
    });
    expect(response.status).toBe(400);
    const json = (await response.json()) as {
      error: { fields: Array<{ field: string }>; message: string };
    };
    expect(json.error.fields).toHaveLength(MAX_FIELD_PROBLEMS);
    expect(json.error.fields[0]?.field).toBe("body.event_types.0");
    expect(json.error.message).toEndWith("; and 80 more");
  });

  test("a surface body holding millions of wrong items is refused at the first, not after checking each", async () => {
    // 4,000,000 wrong messages in 8 MB: every one was checked and reported (half a minute of
    // CPU); the bound below only detects that hang.
    const wrong = `[${"0,".repeat(4_000_000)}0]`;
    for (const [path, body, headers] of [
      [
        "/openai/v1/chat/completions",
        `{"model":"@default","messages":${wrong}}`,
        { authorization: `Bearer ${fleet.tenant.proxyKey}` },
      ],
      [
        "/anthropic/v1/messages",
        `{"model":"@default","max_tokens":5,"messages":${wrong}}`,
        { "x-api-key": fleet.tenant.proxyKey },
      ],
    ] as const) {
      const response = await fetch(`${plane.url}${path}`, {
        method: "POST",
        headers: {
          ...headers,
          "content-type": "application/json",
          "x-forwarded-for": freshAddress(),
        },
        body,
        signal: AbortSignal.timeout(10_000),
      });
      expect({ path, status: response.status }).toEqual({ path, status: 400 });
      expect(await response.text()).toContain("messages[0]");
    }
  }, 60_000);

  // --- memory ------------------------------------------------------------------------------------

  test("bodies past the limits, chunked or declared, are refused while read and RSS stays bounded", async () => {
    const chunked = (bytes: number) => {
      const piece = new Uint8Array(MIB).fill(97);
      let sent = 0;
      return new ReadableStream<Uint8Array>({
        pull(controller) {
          if (sent === 0) controller.enqueue(new TextEncoder().encode('{"x":"'));
          if (sent >= bytes) {
            controller.close();
            return;
          }
          sent += piece.length;
          controller.enqueue(piece);
        },
      });
    };
    const oversized = [
      {
        url: `${plane.url}/openai/v1/chat/completions`,
        auth: `Bearer ${fleet.tenant.proxyKey}`,
        bytes: 40 * MIB,
      },
      {
        url: `${plane.url}/anthropic/v1/messages`,
        auth: `Bearer ${fleet.tenant.proxyKey}`,
        bytes: 40 * MIB,
      },
      { url: `${fleet.controlUrl}/manage/v1/projects`, auth: `Bearer ${ownerKey}`, bytes: 8 * MIB },
    ];
    for (let round = 0; round < 3; round++) {
      for (const { url, auth, bytes } of oversized) {
        const response = await fetch(url, {
          method: "POST",
          headers: {
            authorization: auth,
            "content-type": "application/json",
            "x-forwarded-for": freshAddress(),
          },
          body: chunked(bytes),
          duplex: "half",
          signal: AbortSignal.timeout(10_000),
        } as RequestInit);
        expect({ url, status: response.status }).toEqual({ url, status: 413 });
        JSON.parse(await response.text());
      }
    }
    for (const [name, pid] of [
      ["data plane", plane.child.process.pid],
      ["control plane", fleet.controlPlane.process.pid],
    ] as const) {
      const figures = rssOf(pid);
      rss[name] = { ...rss[name], after: figures };
      expect(figures.rssMb).toBeLessThan(RSS_BOUND_MB);
      expect(figures.peakMb).toBeLessThan(RSS_BOUND_MB);
    }
  }, 120_000);
});
