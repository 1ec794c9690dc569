// Per-key request and token limits on one data plane, through the official SDKs (docs/limits.md):
// a 429 in each surface's shape with retry-after and the rate-limit headers (sent on answers too),
// every endpoint a key calls counted (listing models and dry runs not), tokens settled with the
// real usage, and the OpenAI SDK's own retry waiting out retry-after. The limiter runs on a
// manual clock: the test moves time, never waits for a window.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { KeyLimiter } from "../../dataplane/limits/key-limiter.ts";
import {
  type GatewayHarness,
  HARNESS_KEY,
  startGatewayHarness,
} from "../support/gateway-harness.ts";
import { ManualClock } from "../support/manual-clock.ts";

const MINUTE = Date.UTC(2026, 0, 1, 12, 0, 0);
const KEYS = {
  openai: "mlx_sk_limitsopenai0000000000001",
  anthropic: "mlx_sk_limitsanthropic000000001",
  endpoints: "mlx_sk_limitsendpoints000000001",
  tokens: "mlx_sk_limitstokens00000000000001",
  retry: "mlx_sk_limitsretry000000000000001",
};
type ClientFetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;
const CHAT = { model: "@openai", messages: [{ role: "user" as const, content: "hello there" }] };

describe("per-key limits on a data plane", () => {
  let harness: GatewayHarness;
  const clock = new ManualClock(MINUTE);
  const limiter = new KeyLimiter({ nodeId: "harness", now: () => clock.now() });
  beforeAll(() => {
    harness = startGatewayHarness({
      limits: limiter,
      apiKeys: [
        { id: "key_openai", key: KEYS.openai, rpm_limit: 2 },
        { id: "key_anthropic", key: KEYS.anthropic, rpm_limit: 1, tpm_limit: 10_000 },
        { id: "key_endpoints", key: KEYS.endpoints, rpm_limit: 3 },
        { id: "key_tokens", key: KEYS.tokens, tpm_limit: 600 },
        { id: "key_retry", key: KEYS.retry, rpm_limit: 2 },
      ],
    });
  });
  afterAll(() => harness.stop());

  const openai = (key: string, maxRetries = 0, fetch?: ClientFetch) =>
    new OpenAI({
      baseURL: `${harness.baseUrl}/openai/v1`,
      apiKey: key,
      maxRetries,
      ...(fetch ? { fetch } : {}),
    });
  const anthropic = (key: string) =>
    new Anthropic({ baseURL: `${harness.baseUrl}/anthropic`, apiKey: key, maxRetries: 0 });
  const caught = (promise: Promise<unknown>) =>
    promise.then(
      () => null,
      (error: unknown) => error,
    );

  test("OpenAI surface: headers on every answer, then a 429 in OpenAI's shape", async () => {
    const client = openai(KEYS.openai);
    const first = await client.chat.completions.create(CHAT).withResponse();
    expect(first.response.headers.get("x-ratelimit-limit-requests")).toBe("2");
    expect(first.response.headers.get("x-ratelimit-remaining-requests")).toBe("1");
    expect(first.response.headers.get("x-ratelimit-reset-requests")).toBe("2m0s");
    // No token limit on this key: no token headers.
    expect(first.response.headers.get("x-ratelimit-limit-tokens")).toBeNull();
    const second = await client.chat.completions.create(CHAT).withResponse();
    expect(second.response.headers.get("x-ratelimit-remaining-requests")).toBe("0");

    await clock.advance(20_000);
    const error = await caught(client.chat.completions.create(CHAT));
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    const refused = error as InstanceType<typeof OpenAI.RateLimitError>;
    expect(refused.status).toBe(429);
    // OpenAI's own limit refusal: the unit that ran out as `type`, `rate_limit_exceeded` as `code`.
    expect(refused.error).toMatchObject({ type: "requests", code: "rate_limit_exceeded" });
    expect(refused.message).toContain("rate limit of 2 requests per minute");
    // Both requests count fully for the 40 s left of their window, then fade: one fits 30 s on.
    expect(refused.headers?.get("retry-after")).toBe("70");
    expect(refused.headers?.get("x-ratelimit-remaining-requests")).toBe("0");
    expect(refused.headers?.get("x-ratelimit-limit-requests")).toBe("2");
  });

  test("Anthropic surface: anthropic-ratelimit-* headers, then a 429 in Anthropic's shape", async () => {
    const client = anthropic(KEYS.anthropic);
    const params = { model: "@anthropic", max_tokens: 16, messages: CHAT.messages };
    const { response } = await client.messages.create(params).withResponse();
    expect(response.headers.get("anthropic-ratelimit-requests-limit")).toBe("1");
    expect(response.headers.get("anthropic-ratelimit-requests-remaining")).toBe("0");
    const reset = response.headers.get("anthropic-ratelimit-requests-reset") ?? "";
    expect(reset).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(Date.parse(reset)).toBeGreaterThan(clock.now());
    expect(response.headers.get("anthropic-ratelimit-tokens-limit")).toBe("10000");
    expect(response.headers.get("x-ratelimit-limit-requests")).toBeNull();

    const error = await caught(client.messages.create(params));
    expect(error).toBeInstanceOf(Anthropic.RateLimitError);
    const refused = error as InstanceType<typeof Anthropic.RateLimitError>;
    expect(refused.error).toMatchObject({ type: "error", error: { type: "rate_limit_error" } });
    expect(Number(refused.headers?.get("retry-after"))).toBeGreaterThan(0);
    expect(refused.headers?.get("anthropic-ratelimit-requests-remaining")).toBe("0");
  });

  test("embeddings, count_tokens and chat count; listing models and dry runs do not", async () => {
    const client = openai(KEYS.endpoints);
    const claude = anthropic(KEYS.endpoints);
    const listed = await client.models.list().withResponse();
    expect(listed.response.headers.get("x-ratelimit-limit-requests")).toBeNull();
    const dryRun = await fetch(`${harness.baseUrl}/openai/v1/chat/completions`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${KEYS.endpoints}`,
        "content-type": "application/json",
        "x-modelux-dry-run": "true",
      },
      body: JSON.stringify(CHAT),
    });
    expect(dryRun.status).toBe(200);

    const embedded = await client.embeddings
      .create({ model: "openai/text-embedding-3-small", input: "count me" })
      .withResponse();
    expect(embedded.response.headers.get("x-ratelimit-remaining-requests")).toBe("2");
    const counted = await claude.messages
      .countTokens({ model: "@anthropic", messages: CHAT.messages })
      .withResponse();
    expect(counted.response.headers.get("anthropic-ratelimit-requests-remaining")).toBe("1");
    const chat = await client.chat.completions.create(CHAT).withResponse();
    expect(chat.response.headers.get("x-ratelimit-remaining-requests")).toBe("0");
    // One at a time: a call started before the previous one is awaited could be refused while
    // nothing handles it yet, an unhandled rejection that fails the test (a flake in CI).
    for (const call of [
      () => client.embeddings.create({ model: "openai/text-embedding-3-small", input: "again" }),
      () => claude.messages.countTokens({ model: "@anthropic", messages: CHAT.messages }),
      () => client.chat.completions.create(CHAT),
    ]) {
      const error = (await caught(call())) as { status?: number };
      expect(error?.status).toBe(429);
    }
  });

  test("tokens: the estimate at admission, the real usage (a stream's too) once answered", async () => {
    const client = openai(KEYS.tokens);
    const body = { ...CHAT, max_tokens: 200, stream_options: { include_usage: true } };
    const { data: stream, response } = await client.chat.completions
      .create({ ...body, stream: true })
      .withResponse();
    let used = 0;
    for await (const chunk of stream)
      if (chunk.usage) used = chunk.usage.prompt_tokens + chunk.usage.completion_tokens;
    expect(used).toBeGreaterThan(0);
    expect(response.headers.get("x-ratelimit-limit-tokens")).toBe("600");
    const estimate = 600 - Number(response.headers.get("x-ratelimit-remaining-tokens"));
    expect(estimate).toBeGreaterThan(0);

    // The same request again: counted as its estimate on top of the first one's real usage.
    const again = await client.chat.completions.create({ ...body, max_tokens: 1 }).withResponse();
    expect(again.response.headers.get("x-ratelimit-remaining-tokens")).toBe(
      String(600 - used - estimate),
    );
    const second = again.data.usage;
    const left = 600 - used - (second ? second.prompt_tokens + second.completion_tokens : 0);
    // The estimate is a quarter of the prompt's characters: one token more than is left.
    const prompt = (tokens: number) => ({
      model: "@openai",
      messages: [{ role: "user" as const, content: "x".repeat(tokens * 4) }],
    });
    const over = (await caught(client.chat.completions.create(prompt(left + 1)))) as InstanceType<
      typeof OpenAI.RateLimitError
    >;
    expect(over).toBeInstanceOf(OpenAI.RateLimitError);
    expect(over.message).toContain("rate limit of 600 tokens per minute");
    expect(over.error).toMatchObject({ type: "tokens", code: "rate_limit_exceeded" });
    expect(over.headers?.get("x-ratelimit-remaining-tokens")).toBe(String(left));
    expect(Number(over.headers?.get("retry-after"))).toBeGreaterThan(0);
    // What is left still fits.
    const fits = await client.chat.completions
      .create({ ...prompt(left), max_tokens: 1 })
      .withResponse();
    expect(fits.response.headers.get("x-ratelimit-remaining-tokens")).toBe("0");
    // A prompt larger than the whole limit can never fit: refused without a retry-after.
    const tooLarge = (await caught(client.chat.completions.create(prompt(601)))) as InstanceType<
      typeof OpenAI.RateLimitError
    >;
    expect(tooLarge.message).toContain("larger than this API key's limit of 600 tokens");
    expect(tooLarge.error).toMatchObject({ type: "tokens", code: "rate_limit_exceeded" });
    expect(tooLarge.headers?.get("retry-after")).toBeNull();
  });

  test("the OpenAI SDK with maxRetries 1 waits out retry-after and gets the answer", async () => {
    // Start of a fresh window, then two requests use the limit.
    await clock.advance(MINUTE + 10 * 60_000 - clock.now());
    const plain = openai(KEYS.retry);
    await plain.chat.completions.create(CHAT);
    await plain.chat.completions.create(CHAT);
    // 89.5 s on, the two still count 2 × 30.5/60 = 1.02: one more fits in 0.5 s.
    await clock.advance(89_500);
    const statuses: Array<{ status: number; retryAfter: string | null }> = [];
    // The client's wait passes on the gateway's clock as it passes for the client.
    const timedFetch: ClientFetch = async (input, init) => {
      const response = await fetch(input, init);
      const retryAfter = response.headers.get("retry-after");
      statuses.push({ status: response.status, retryAfter });
      if (response.status === 429 && retryAfter) await clock.advance(Number(retryAfter) * 1000);
      return response;
    };
    const retrying = openai(KEYS.retry, 1, timedFetch);
    const answer = await retrying.chat.completions.create(CHAT);
    expect(answer.choices[0]?.message.content?.length).toBeGreaterThan(0);
    expect(statuses).toEqual([
      { status: 429, retryAfter: "1" },
      { status: 200, retryAfter: null },
    ]);
  });

  test("a key without limits gets no rate-limit headers and adds nothing to the limiter", async () => {
    const tracked = limiter.trackedKeys();
    const { response } = await openai(HARNESS_KEY).chat.completions.create(CHAT).withResponse();
    expect(response.status).toBe(200);
    expect(response.headers.get("x-ratelimit-limit-requests")).toBeNull();
    expect(response.headers.get("x-ratelimit-limit-tokens")).toBeNull();
    expect(limiter.trackedKeys()).toBe(tracked);
  });
});
