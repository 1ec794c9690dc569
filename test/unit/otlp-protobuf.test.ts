// The default OTLP protocol, http/protobuf: spans of a finished request reach a collector as a
// protobuf body posted to <endpoint>/v1/traces with the configured headers, holding the request's
// trace id and both spans' ids as bytes.
import { expect, test } from "bun:test";
import { defaultObservability } from "#shared/env/settings.ts";
import { RequestSpans } from "../../dataplane/telemetry/request-spans.ts";
import { spanExportFrom } from "../../dataplane/telemetry/span-settings.ts";
import type { DecisionTrace } from "../../dataplane/trace/decision-trace.ts";

test("spans go out as OTLP protobuf with the request's ids", async () => {
  const bodies: Array<{ path: string; type: string | null; auth: string | null; bytes: Buffer }> =
    [];
  const collector = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(request) {
      bodies.push({
        path: new URL(request.url).pathname,
        type: request.headers.get("content-type"),
        auth: request.headers.get("x-collector-key"),
        bytes: Buffer.from(await request.arrayBuffer()),
      });
      return new Response(new Uint8Array(), {
        headers: { "content-type": "application/x-protobuf" },
      });
    },
  });
  try {
    const settings = spanExportFrom(
      {
        ...defaultObservability(),
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${collector.port}/`,
        OTEL_EXPORTER_OTLP_HEADERS: "x-collector-key=abc%20123",
      },
      "node-1",
    );
    if (!settings) throw new Error("an endpoint should turn export on");
    expect(settings.protocol).toBe("http/protobuf");
    const spans = new RequestSpans(settings);
    const trace = {
      request_id: "01a24a9f-8b8a-747d-8357-0d00ac8925f1",
      timestamp: Date.now() - 50,
      org_id: "org_1",
      project_id: "prj_1",
      key_id: "key_1",
      surface: "openai",
      requested_model: "gpt-4o-mini",
      config: null,
      status: 200,
      stream: false,
      usage: {
        inputTokens: 5,
        outputTokens: 7,
        cacheReadTokens: 0,
        cacheWriteTokens: 0,
        reasoningTokens: 0,
      },
      cost_usd: 0.0001,
      latency_ms: 40,
      overhead_ms: 0.2,
      decision: { winner: "gpt-4o-mini", provider: "openai", reason: "direct" },
      request: { max_tokens: null, temperature: null },
      attempts: [
        {
          provider: "openai",
          model: "gpt-4o-mini",
          started_ms: 1,
          latency_ms: 38,
          status: 200,
          span_id: "1234567890abcdef",
        },
      ],
      span: {
        trace_id: "0af7651916cd43dd8448eb211c80319c",
        span_id: "b7ad6b7169203331",
        sampled: true,
      },
    } as unknown as DecisionTrace;
    spans.record(trace, "chat", null);
    await spans.flush();
    await spans.shutdown();
    expect(bodies).toHaveLength(1);
    const [body] = bodies as [(typeof bodies)[number]];
    expect(body.path).toBe("/v1/traces");
    expect(body.type).toBe("application/x-protobuf");
    expect(body.auth).toBe("abc 123");
    for (const id of ["0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331", "1234567890abcdef"])
      expect(body.bytes.includes(Buffer.from(id, "hex"))).toBe(true);
    expect(body.bytes.includes(Buffer.from("gen_ai.operation.name"))).toBe(true);
  } finally {
    collector.stop(true);
  }
});

test("no endpoint, or OTEL_SDK_DISABLED=true: no export", () => {
  expect(spanExportFrom(defaultObservability(), "node-1")).toBeNull();
  expect(
    spanExportFrom(
      {
        ...defaultObservability(),
        OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318",
        OTEL_SDK_DISABLED: "true",
      },
      "node-1",
    ),
  ).toBeNull();
});
