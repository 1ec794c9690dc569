// OpenTelemetry, the access log and X-Request-Id on a data plane (docs/operations.md): an OTLP
// receiver in this process gets the request span (the caller's trace id and parent) and one span
// per upstream attempt with the GenAI attributes; the upstream receives a `traceparent` naming
// the attempt's span; an unsampled caller gets no spans; the access line has the request's fields
// and neither its content nor a key; the caller's X-Request-Id is echoed and kept.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { defaultObservability } from "#shared/env/settings.ts";
import { configureLogging } from "#shared/log.ts";
import {
  type GatewayHarness,
  HARNESS_KEY,
  openAiClient,
  startGatewayHarness,
} from "../support/gateway-harness.ts";
import { routingClient } from "../support/routing-client.ts";

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  status?: { code?: number };
  attributes: Array<{ key: string; value: Record<string, unknown> }>;
}

const CALLER_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
const CALLER_SPAN = "00f067aa0ba902b7";
const SECRET_PROMPT = "The launch code is swordfish-42.";
const SERVER = 2;
const CLIENT = 3;

function attribute(span: OtlpSpan, key: string): unknown {
  const value = span.attributes.find((entry) => entry.key === key)?.value;
  if (!value) return undefined;
  const [inner] = Object.values(value);
  // OTLP JSON writes 64-bit integers as strings.
  return "intValue" in value ? Number(inner) : inner;
}

describe("traces, access log and X-Request-Id", () => {
  let harness: GatewayHarness;
  let receiver: ReturnType<typeof Bun.serve>;
  let upstream: ReturnType<typeof Bun.serve>;
  const spans: OtlpSpan[] = [];
  const contentTypes: string[] = [];
  /** `traceparent` of each call the OpenAI provider received. */
  const traceparents: Array<string | null> = [];
  const logLines: string[] = [];

  beforeAll(async () => {
    receiver = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      async fetch(request) {
        contentTypes.push(request.headers.get("content-type") ?? "");
        const body = (await request.json()) as {
          resourceSpans: Array<{ scopeSpans: Array<{ spans: OtlpSpan[] }> }>;
        };
        for (const resource of body.resourceSpans)
          for (const scope of resource.scopeSpans) spans.push(...scope.spans);
        return Response.json({});
      },
    });
    // The OpenAI provider's base URL: notes each call's traceparent, then asks the simulator.
    upstream = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      async fetch(request) {
        traceparents.push(request.headers.get("traceparent"));
        const url = new URL(request.url);
        const headers = new Headers(request.headers);
        headers.delete("host");
        const answer = await fetch(`${harness.simulator.url}${url.pathname}${url.search}`, {
          method: request.method,
          headers,
          body: await request.arrayBuffer(),
        });
        return new Response(answer.body, { status: answer.status, headers: answer.headers });
      },
    });
    configureLogging({
      level: "info",
      format: "json",
      destination: { write: (line: string) => logLines.push(line) },
    });
    harness = startGatewayHarness({
      vendors: { openai: { baseUrl: `http://127.0.0.1:${upstream.port}/v1` } },
      routingConfigs: {
        chain: {
          strategy: "fallback",
          attempts: [{ model: "anthropic/claude-sonnet-4-5" }, { model: "openai/gpt-4o-mini" }],
        },
      },
      telemetry: {
        ...defaultObservability(),
        MODELUX_ACCESS_LOG: "on",
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${receiver.port}`,
        OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
      },
    });
    // The OpenTelemetry SDK is loaded when export is on, before the first span.
    await harness.context.telemetry.ready;
  });
  afterAll(async () => {
    await harness.stop();
    receiver.stop(true);
    upstream.stop(true);
    configureLogging({ level: "info", format: "json" });
  });

  test("the request span continues the caller's trace; the attempt's span is the upstream's parent", async () => {
    const { response } = await openAiClient(harness)
      .chat.completions.create(
        { model: "@openai", messages: [{ role: "user", content: SECRET_PROMPT }] },
        { headers: { traceparent: `00-${CALLER_TRACE}-${CALLER_SPAN}-01` } },
      )
      .withResponse();
    expect(response.status).toBe(200);
    await harness.context.telemetry.flushSpans();
    expect(contentTypes.every((type) => type.startsWith("application/json"))).toBe(true);

    const request = spans.find((span) => span.traceId === CALLER_TRACE && span.kind === SERVER);
    if (!request) throw new Error("no request span with the caller's trace id");
    expect(request.parentSpanId).toBe(CALLER_SPAN);
    expect(request.name).toBe("chat @openai");
    expect(attribute(request, "gen_ai.operation.name")).toBe("chat");
    expect(attribute(request, "gen_ai.request.model")).toBe("@openai");
    expect(attribute(request, "gen_ai.response.model")).toBe("gpt-4o-mini");
    expect(attribute(request, "gen_ai.provider.name")).toBe("openai");
    expect(attribute(request, "modelux.request_id")).toBe(
      response.headers.get("x-modelux-request-id"),
    );
    const trace = routingClient(harness).traceOf({
      status: 200,
      headers: response.headers,
      body: {},
      text: "",
    });
    expect(attribute(request, "gen_ai.usage.input_tokens")).toBe(trace.usage?.inputTokens);
    expect(attribute(request, "gen_ai.usage.output_tokens")).toBe(trace.usage?.outputTokens);

    const attempts = spans.filter((span) => span.parentSpanId === request.spanId);
    expect(attempts).toHaveLength(1);
    const [attempt] = attempts as [OtlpSpan];
    expect(attempt.traceId).toBe(CALLER_TRACE);
    expect(attempt.kind).toBe(CLIENT);
    expect(attribute(attempt, "gen_ai.provider.name")).toBe("openai");
    expect(attribute(attempt, "gen_ai.request.model")).toBe("gpt-4o-mini");
    expect(attribute(attempt, "gen_ai.usage.output_tokens")).toBe(trace.usage?.outputTokens);
    expect(attribute(attempt, "http.response.status_code")).toBe(200);
    // The simulator's side of the call named this very span, in the caller's trace.
    expect(traceparents.at(-1)).toBe(`00-${CALLER_TRACE}-${attempt.spanId}-01`);
  });

  test("a fallback: a span per attempt, the failed one an error; a new trace without a caller", async () => {
    await routingClient(harness).fault({ model: "claude-sonnet-4-5", status: 503, count: 1 });
    const result = await routingClient(harness).openai("@chain");
    expect(result.status).toBe(200);
    await harness.context.telemetry.flushSpans();
    const requestId = result.headers.get("x-modelux-request-id");
    const request = spans.find((span) => attribute(span, "modelux.request_id") === requestId);
    if (!request) throw new Error("no span for the fallback request");
    expect(request.parentSpanId ?? "").toBe("");
    expect(request.traceId).not.toBe(CALLER_TRACE);
    const attempts = spans.filter((span) => span.parentSpanId === request.spanId);
    expect(attempts.map((span) => attribute(span, "gen_ai.provider.name"))).toEqual([
      "anthropic",
      "openai",
    ]);
    expect(attempts[0]?.status?.code).toBe(2);
    expect(attribute(attempts[0] as OtlpSpan, "http.response.status_code")).toBe(503);
    expect(traceparents.at(-1)).toBe(`00-${request.traceId}-${attempts[1]?.spanId}-01`);
  });

  test("a caller's unsampled trace: propagated as unsampled, no spans exported", async () => {
    const unsampled = "11111111111111111111111111111111";
    const result = await routingClient(harness).openai(
      "@openai",
      {},
      { traceparent: `00-${unsampled}-2222222222222222-00` },
    );
    expect(result.status).toBe(200);
    await harness.context.telemetry.flushSpans();
    expect(traceparents.at(-1)).toMatch(new RegExp(`^00-${unsampled}-[0-9a-f]{16}-00$`));
    expect(spans.some((span) => span.traceId === unsampled)).toBe(false);
  });

  test("X-Request-Id is echoed beside X-Modelux-Request-Id and kept in the trace and access line", async () => {
    const result = await routingClient(harness).openai(
      "@openai",
      {},
      { "x-request-id": "client-abc-123" },
    );
    expect(result.status).toBe(200);
    expect(result.headers.get("x-request-id")).toBe("client-abc-123");
    const requestId = result.headers.get("x-modelux-request-id");
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(routingClient(harness).traceOf(result).client_request_id).toBe("client-abc-123");
    // Echoed on error answers too.
    const refused = await routingClient(harness).openai(
      "@no-such-config",
      {},
      { "x-request-id": "client-404" },
    );
    expect(refused.status).toBe(404);
    expect(refused.headers.get("x-request-id")).toBe("client-404");
    const tooLong = await routingClient(harness).openai(
      "@openai",
      {},
      { "x-request-id": "x".repeat(201) },
    );
    expect(tooLong.status).toBe(400);
    expect((tooLong.body.error as { param: string }).param).toBe("x-request-id");

    harness.context.telemetry.drain();
    const line = logLines
      .map((text) => JSON.parse(text) as Record<string, unknown>)
      .find((entry) => entry.request_id === requestId);
    if (!line) throw new Error("no access line for the request");
    expect(line).toMatchObject({
      level: "info",
      component: "access",
      msg: "request",
      client_request_id: "client-abc-123",
      key_id: "key_h",
      route: "@openai",
      provider: "openai",
      model: "gpt-4o-mini",
      status: 200,
      surface: "openai",
    });
    for (const field of ["latency_ms", "input_tokens", "output_tokens", "cost_usd"])
      expect(typeof line[field]).toBe("number");
  });

  test("no access line holds a prompt, an answer or a key", async () => {
    harness.context.telemetry.drain();
    const all = logLines.join("\n");
    expect(logLines.length).toBeGreaterThanOrEqual(5);
    expect(all).not.toContain(HARNESS_KEY);
    expect(all).not.toContain("swordfish");
    expect(all).not.toContain("Say something short");
    expect(all).not.toContain("sk-sim");
  });
});
