// `X-Modelux-Dry-Run: true` with `stream: true` answers as a stream in the surface's format
// (issue 16: it was a JSON body, which the SDKs' streaming calls cannot read). The official SDKs'
// streaming calls complete without throwing, and the stream carries the plan.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type Anthropic from "@anthropic-ai/sdk";
import type OpenAI from "openai";
import {
  anthropicClient,
  type GatewayHarness,
  HARNESS_KEY,
  openAiClient,
  startGatewayHarness,
} from "../support/gateway-harness.ts";

const DRY_RUN = { headers: { "X-Modelux-Dry-Run": "true" } };

interface DryRun {
  object: string;
  would_serve: { provider: string; model: string } | null;
  plan: { kind: string; provider?: string; model?: string }[];
}

function expectPlan(dryRun: DryRun | undefined) {
  expect(dryRun?.object).toBe("modelux.dry_run");
  expect(dryRun?.would_serve).toEqual({ provider: "anthropic", model: "claude-sonnet-4-5" });
  expect(dryRun?.plan[0]).toMatchObject({
    kind: "attempt",
    provider: "anthropic",
    model: "claude-sonnet-4-5",
  });
}

describe("streamed dry runs", () => {
  let harness: GatewayHarness;
  let openai: OpenAI;
  let anthropic: Anthropic;

  beforeAll(() => {
    harness = startGatewayHarness();
    openai = openAiClient(harness);
    anthropic = anthropicClient(harness);
  });
  afterAll(() => harness.stop());

  const raw = (path: string, body: unknown, headers: Record<string, string>) =>
    fetch(`${harness.baseUrl}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-modelux-dry-run": "true", ...headers },
      body: JSON.stringify(body),
    });

  test("OpenAI SDK: the stream completes and its chunk carries the plan under mlx:dry_run", async () => {
    const stream = await openai.chat.completions.create(
      {
        model: "@anthropic",
        messages: [{ role: "user", content: "hello" }],
        stream: true,
      },
      DRY_RUN,
    );
    const chunks: Record<string, unknown>[] = [];
    for await (const chunk of stream) chunks.push(chunk as unknown as Record<string, unknown>);
    expect(chunks).toHaveLength(1);
    // The everyday loop reads chunk.choices[0]: there is one.
    expect(chunks[0]?.choices).toHaveLength(1);
    expectPlan(chunks[0]?.["mlx:dry_run"] as DryRun);
  });

  test("OpenAI SDK: include_usage adds a zero usage chunk; the stream helper finishes", async () => {
    const stream = openai.chat.completions.stream(
      {
        model: "@anthropic",
        messages: [{ role: "user", content: "hello" }],
        stream_options: { include_usage: true },
      },
      DRY_RUN,
    );
    const final = await stream.finalChatCompletion();
    expect(final.choices[0]?.finish_reason).toBe("stop");
    expect(final.usage?.total_tokens).toBe(0);
  });

  test("OpenAI raw SSE: text/event-stream ending with [DONE]", async () => {
    const response = await raw(
      "/openai/v1/chat/completions",
      { model: "@anthropic", messages: [{ role: "user", content: "hello" }], stream: true },
      { authorization: `Bearer ${HARNESS_KEY}` },
    );
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toStartWith("text/event-stream");
    expect(response.headers.get("x-modelux-dry-run")).toBe("true");
    const text = await response.text();
    expect(text.endsWith("data: [DONE]\n\n")).toBe(true);
    const first = JSON.parse(text.split("\n\n")[0]?.replace(/^data: /, "") ?? "null");
    expectPlan(first["mlx:dry_run"]);
  });

  test("Anthropic SDK: the stream completes and the mlx:dry_run event carries the plan", async () => {
    const stream = await anthropic.messages.create(
      {
        model: "@anthropic",
        max_tokens: 100,
        messages: [{ role: "user", content: "hello" }],
        stream: true,
      },
      DRY_RUN,
    );
    const types: string[] = [];
    let dryRun: DryRun | undefined;
    for await (const event of stream) {
      const raw = event as unknown as { type: string; dry_run?: DryRun };
      types.push(raw.type);
      if (raw.type === "mlx:dry_run") dryRun = raw.dry_run;
    }
    expect(types[0]).toBe("message_start");
    expect(types.at(-1)).toBe("message_stop");
    expectPlan(dryRun);
  });

  test("Anthropic SDK: the stream helper's finalMessage resolves", async () => {
    const message = await anthropic.messages
      .stream(
        { model: "@anthropic", max_tokens: 100, messages: [{ role: "user", content: "hello" }] },
        DRY_RUN,
      )
      .finalMessage();
    expect(message.stop_reason).toBe("end_turn");
    expect(message.content).toEqual([]);
  });

  test("Anthropic raw SSE: event: mlx:dry_run between message_start and message_stop", async () => {
    const response = await raw(
      "/anthropic/v1/messages",
      {
        model: "@anthropic",
        max_tokens: 100,
        messages: [{ role: "user", content: "hello" }],
        stream: true,
      },
      { "x-api-key": HARNESS_KEY, "anthropic-version": "2023-06-01" },
    );
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toStartWith("text/event-stream");
    const events = (await response.text())
      .split("\n\n")
      .filter(Boolean)
      .map((block) => {
        const [name, data] = block.split("\n");
        return {
          name: name?.replace(/^event: /, ""),
          data: JSON.parse(data?.replace(/^data: /, "") ?? "null"),
        };
      });
    expect(events.map((event) => event.name)).toEqual([
      "message_start",
      "mlx:dry_run",
      "message_delta",
      "message_stop",
    ]);
    expectPlan(events[1]?.data.dry_run);
  });

  test("a plain dry run stays a JSON body", async () => {
    const response = await raw(
      "/openai/v1/chat/completions",
      { model: "@anthropic", messages: [{ role: "user", content: "hello" }] },
      { authorization: `Bearer ${HARNESS_KEY}` },
    );
    expect(response.headers.get("content-type")).toStartWith("application/json");
    expectPlan((await response.json()) as DryRun);
  });
});
