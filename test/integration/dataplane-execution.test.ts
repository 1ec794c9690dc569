// The data plane's execution of a plan against the simulator: fallbacks on 5xx, 429 and
// timeouts, pass-through of the caller's own mistakes, clean errors when the plan is spent, and
// streams piped through unbuffered.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { SecretBox } from "#shared/crypto/secret-box.ts";
import { hashKey } from "#shared/ids/ids.ts";
import { sealSnapshot } from "#shared/snapshot/envelope.ts";
import { createDataPlaneContext } from "../../dataplane/context.ts";
import { createDataPlaneApp } from "../../dataplane/server.ts";
import { SnapshotLoader } from "../../dataplane/snapshot/snapshot-loader.ts";
import { type RunningSimulator, startSimulator } from "../../simulator/server.ts";

const KEY = "mlx_sk_executionexecutionexec";
const box = new SecretBox(new Uint8Array(32).fill(5));

describe("data plane execution against the simulator", () => {
  let simulator: RunningSimulator;
  let app: ReturnType<typeof createDataPlaneApp>;

  const configs: Record<string, Record<string, unknown>> = {
    fallback: {
      strategy: "fallback",
      attempts: [{ model: "gpt-4o", timeout_ms: 300 }, { model: "gpt-4o-mini" }],
      retry_on: ["429", "5xx", "timeout"],
    },
    // Its own primary: the 429's retry-after keeps a model out of chains for a second.
    "no-retry-429": {
      strategy: "fallback",
      attempts: [{ model: "gpt-4o-2024-08-06" }, { model: "gpt-4o-mini" }],
      retry_on: ["5xx"],
    },
    "broken-first": {
      strategy: "fallback",
      attempts: [
        { model: { model: "anthropic.claude-sonnet-4-5-v1:0", provider: "bedrock-broken" } },
        { model: "gpt-4o-mini" },
      ],
    },
    nested: { strategy: "fallback", attempts: [{ config: "@fallback" }, { model: "gpt-4.1" }] },
  };

  beforeAll(() => {
    simulator = startSimulator({ port: 0 });
    const loader = new SnapshotLoader({ secretBox: box });
    const applied = loader.apply(
      sealSnapshot(1, {
        orgs: [{ id: "org_x", slug: "x", name: "X" }],
        projects: [{ id: "prj_x", org_id: "org_x", slug: "main", settings: {} }],
        api_keys: [
          {
            id: "key_x",
            org_id: "org_x",
            project_id: "prj_x",
            name: "k",
            key_hash: hashKey(KEY),
            rpm_limit: null,
            expires_at: null,
          },
        ],
        providers: [
          {
            id: "prv_x",
            org_id: "org_x",
            name: "openai",
            vendor: "openai",
            base_url: `${simulator.url}/v1`,
            credential: box.encrypt("sk-never-shown"),
            options: {},
          },
          {
            id: "prv_broken",
            org_id: "org_x",
            name: "bedrock-broken",
            vendor: "bedrock",
            base_url: `${simulator.url}`,
            credential: box.encrypt("not-a-bedrock-credential"),
            options: {},
          },
        ],
        routing_configs: Object.entries(configs).map(([slug, config], index) => ({
          id: `rc_${index}`,
          org_id: "org_x",
          project_id: "prj_x",
          slug,
          version: 1,
          config,
        })),
        budgets: [],
      }),
    );
    expect(applied.applied).toBe(true);
    const context = createDataPlaneContext({ nodeId: "exec", loader });
    app = createDataPlaneApp(context);
  });
  afterAll(() => simulator.stop());
  beforeEach(async () => {
    await fetch(`${simulator.url}/_sim/faults`, { method: "DELETE" });
    await fetch(`${simulator.url}/_sim/calls`, { method: "DELETE" });
  });

  const fault = (body: Record<string, unknown>) =>
    fetch(`${simulator.url}/_sim/faults`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });

  const chat = (model: string, extra: Record<string, unknown> = {}) =>
    app.handle(
      new Request("http://localhost/openai/v1/chat/completions", {
        method: "POST",
        headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
        body: JSON.stringify({ model, messages: [{ role: "user", content: "hello" }], ...extra }),
      }),
    );

  test("a 5xx from the first attempt falls back to the next", async () => {
    await fault({ model: "gpt-4o", status: 503, count: 1 });
    const response = await chat("@fallback");
    expect(response.status).toBe(200);
    expect(response.headers.get("x-modelux-model-used")).toBe("gpt-4o-mini");
    expect(response.headers.get("x-modelux-config")).toBe("fallback@1");
    expect(Number(response.headers.get("x-modelux-overhead-ms"))).toBeGreaterThanOrEqual(0);
  });

  test("a stalled attempt times out after its timeout_ms and the next one answers", async () => {
    // Stalled far beyond the test's own timeout: only the attempt's timeout_ms can end it, and
    // the answer coming from the next attempt says it did (no wall-clock bound needed).
    await fault({ model: "gpt-4o", stall_ms: 600_000, count: 1 });
    const response = await chat("@fallback");
    expect(response.status).toBe(200);
    expect(response.headers.get("x-modelux-model-used")).toBe("gpt-4o-mini");
  });

  test("429 is retried only when retry_on says so; then the caller gets the 429 and its retry-after", async () => {
    await fault({ model: "gpt-4o-2024-08-06", status: 429, count: 1 });
    const response = await chat("@no-retry-429");
    expect(response.status).toBe(429);
    expect(response.headers.get("retry-after")).toBe("1");
    const body = (await response.json()) as { error: { type: string; message: string } };
    expect(body.error.type).toBe("rate_limit_error");
    expect(body.error.message).toContain("429");
  });

  test("the caller's own bad request is answered in the closed set, not retried elsewhere", async () => {
    const response = await chat("@fallback", { messages: "not-a-list" }).catch(() => null);
    // The surface refuses a non-array `messages` before any upstream call.
    expect(response?.status).toBe(400);
    await fault({
      model: "gpt-4o",
      status: 400,
      count: 1,
      body: {
        error: {
          message: "bad temperature",
          type: "invalid_request_error",
          param: "temperature",
          code: null,
        },
      },
    });
    const passed = await chat("@fallback");
    expect(passed.status).toBe(400);
    // The upstream's message and the field it blamed, in the gateway's own error shape.
    const { error } = (await passed.json()) as {
      error: { type: string; message: string; param: string };
    };
    expect(error.type).toBe("invalid_request_error");
    expect(error.message).toEndWith("bad temperature");
    expect(error.param).toBe("temperature");
    const calls = (await (await fetch(`${simulator.url}/_sim/calls`)).json()) as {
      counts: Record<string, Record<string, number>>;
    };
    expect(calls.counts.openai?.["gpt-4o-mini"]).toBeUndefined();
  });

  test("an upstream credential failure is a 502 that never shows the credential", async () => {
    await fault({ model: "*", status: 401, count: 3 });
    const response = await chat("@fallback");
    expect(response.status).toBe(502);
    const text = await response.text();
    expect(text).toContain("rejected its credential");
    expect(text).not.toContain("sk-never-shown");
  });

  test("a provider that cannot even be asked (a malformed credential) is skipped for the next", async () => {
    const response = await chat("@broken-first");
    expect(response.status).toBe(200);
    expect(response.headers.get("x-modelux-model-used")).toBe("gpt-4o-mini");
  });

  test("nested configs expand in order and the whole plan is tried", async () => {
    await fault({ model: "gpt-4o", status: 500, count: 1 });
    await fault({ model: "gpt-4o-mini", status: 500, count: 1 });
    const response = await chat("@nested");
    expect(response.status).toBe(200);
    expect(response.headers.get("x-modelux-model-used")).toBe("gpt-4.1");
  });

  test("only `model` changes on the way up: unknown fields reach the provider", async () => {
    await chat("@fallback", { seed: 7, "mlx:tags": { team: "a" }, vendor_extension: { x: 1 } });
    const calls = (await (await fetch(`${simulator.url}/_sim/calls`)).json()) as {
      last: Record<string, { body: Record<string, unknown> }>;
    };
    const forwarded = calls.last.openai?.body ?? {};
    expect(forwarded.model).toBe("gpt-4o");
    expect(forwarded.seed).toBe(7);
    expect(forwarded.vendor_extension).toEqual({ x: 1 });
    expect("mlx:tags" in forwarded).toBe(false);
  });

  test("a stream is piped through event by event and ends with [DONE]", async () => {
    const response = await chat("@fallback", { stream: true });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toStartWith("text/event-stream");
    const text = await response.text();
    const events = text.split("\n\n").filter((event) => event.startsWith("data: "));
    expect(events.length).toBeGreaterThan(2);
    expect(events.at(-1)).toBe("data: [DONE]");
    const first = JSON.parse(events[0]?.slice(6) ?? "{}") as { object: string };
    expect(first.object).toBe("chat.completion.chunk");
  });
});
