// Issue 14, point 7: a stream cut before the upstream's usage arrived (here the client goes away)
// is counted from what was sent: output tokens from the streamed text, priced and marked as an
// estimate, on the same-shape fast path and on a translated one. It was a 499 with no usage.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { RecentTraces } from "../../dataplane/trace/trace-emitter.ts";
import {
  type GatewayHarness,
  HARNESS_KEY,
  startGatewayHarness,
} from "../support/gateway-harness.ts";
import { waitUntil } from "../support/wait.ts";

const PROMPT = "Tell me a long story about a lighthouse keeper.";

interface Surface {
  path: string;
  body(model: string, stream: boolean): Record<string, unknown>;
  /** The generated text in one SSE event's data, as the client reads it. */
  textOf(data: Record<string, unknown>): string;
}

const openai: Surface = {
  path: "/openai/v1/chat/completions",
  body: (model, stream) => ({ model, stream, messages: [{ role: "user", content: PROMPT }] }),
  textOf: (data) => {
    const choices = data.choices as Array<{ delta?: { content?: string | null } }> | undefined;
    return choices?.[0]?.delta?.content ?? "";
  },
};

const anthropic: Surface = {
  path: "/anthropic/v1/messages",
  body: (model, stream) => ({
    model,
    stream,
    max_tokens: 1024,
    messages: [{ role: "user", content: PROMPT }],
  }),
  textOf: (data) => {
    const delta = data.delta as { type?: string; text?: string } | undefined;
    return delta?.type === "text_delta" ? (delta.text ?? "") : "";
  },
};

describe("usage of a cut stream", () => {
  let harness: GatewayHarness;
  beforeAll(async () => {
    harness = startGatewayHarness();
  });
  afterAll(() => harness.stop());

  const post = (surface: Surface, model: string, stream: boolean, signal?: AbortSignal) =>
    fetch(`${harness.baseUrl}${surface.path}`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${HARNESS_KEY}`,
        "content-type": "application/json",
        "anthropic-version": "2023-06-01",
      },
      body: JSON.stringify(surface.body(model, stream)),
      ...(signal ? { signal } : {}),
    });

  const cases: Array<[string, Surface, string]> = [
    ["OpenAI surface, same-shape fast path", openai, "@openai"],
    ["Anthropic surface, same-shape fast path", anthropic, "@anthropic"],
    ["Anthropic surface, translated from an OpenAI upstream", anthropic, "@openai"],
  ];

  for (const [name, surface, model] of cases) {
    test(`${name}: output counted from the text sent`, async () => {
      // The whole answer first, unpaced: the upper bound of what a cut stream can have sent.
      await setPace(harness.simulator.url, null);
      const full = (await (await post(surface, model, false)).json()) as Record<string, unknown>;
      const fullText = JSON.stringify(full);

      await setPace(harness.simulator.url, 15);
      const client = new AbortController();
      const response = await post(surface, model, true, client.signal);
      expect(response.status).toBe(200);
      const requestId = response.headers.get("x-modelux-request-id") as string;
      const reader = (response.body as ReadableStream<Uint8Array>).getReader();
      const decoder = new TextDecoder();
      let raw = "";
      let received = "";
      while (received.length < 12) {
        const { done, value } = await reader.read();
        if (done) throw new Error(`the stream ended before it was cut: ${raw}`);
        raw += decoder.decode(value, { stream: true });
        received = raw
          .split("\n\n")
          .slice(0, -1)
          .flatMap((event) => event.split("\n").filter((line) => line.startsWith("data: {")))
          .map((line) => surface.textOf(JSON.parse(line.slice(6))))
          .join("");
      }
      client.abort();

      const trace = await waitUntil(
        () => (harness.context.traces as RecentTraces).find(requestId),
        { timeoutMs: 10_000, message: "no trace for the cut stream" },
      );
      expect(trace.status).toBe(499);
      expect(trace.usage?.outputTokens ?? 0).toBeGreaterThanOrEqual(Math.ceil(received.length / 4));
      expect(trace.usage?.outputTokens ?? 0).toBeLessThan(Math.ceil(fullText.length / 4));
      expect(trace.usage?.inputTokens ?? 0).toBeGreaterThan(0);
      expect(trace.cost_usd ?? 0).toBeGreaterThan(0);
      expect(trace.cost_estimated).toBe(true);
    }, 30_000);
  }
});

async function setPace(simulatorUrl: string, tokensPerSecond: number | null): Promise<void> {
  const response = await fetch(`${simulatorUrl}/_sim/profiles`, {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(
      tokensPerSecond === null
        ? []
        : [{ name: "slow", models: ["*"], ttft_ms: 0, tokens_per_second: tokensPerSecond }],
    ),
  });
  expect(response.status).toBe(200);
}
