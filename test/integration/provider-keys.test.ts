// X-Modelux-Provider-Key (docs/provider-keys.md): the caller's own key replaces the stored
// credential for the upstream call, on every vendor, surface, stream and passthrough endpoint;
// vendors without a key are skipped, never served on the org's credential; the project setting
// allows, requires or forbids it; the trace keeps a fingerprint and a keyed hash, never the key.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { SecretBox } from "#shared/crypto/secret-box.ts";
import { healthKey } from "../../dataplane/routing/health.ts";
import type { RecentTraces } from "../../dataplane/trace/trace-emitter.ts";
import {
  type GatewayHarness,
  HARNESS_KEY,
  HARNESS_VENDORS,
  startGatewayHarness,
} from "../support/gateway-harness.ts";

const OPENAI_KEY = "sk-proj-byokUserOwnKey0123456789abcdefghijTA0A";
const ANTHROPIC_KEY = "sk-ant-api03-byokAnthropicUserKey0123456789xyzQ9";
const BEDROCK_KEY = "AKIABYOKUSERKEY12345::byokSecretAccessKey0123456789abcdefghij::us-west-2";
const HEADER = "X-Modelux-Provider-Key";
/** The harness's MODELUX_SECRET_KEY stand-in: what the keyed hash is made with. */
const BOX = new SecretBox(new Uint8Array(32).fill(7));

/** Each vendor's auth header as the simulator recorded it, and what it holds for a key. */
const AUTH: Record<string, { header: string; holds: (key: string) => string }> = {
  openai: { header: "authorization", holds: (key) => `Bearer ${key}` },
  azure: { header: "api-key", holds: (key) => key },
  anthropic: { header: "x-api-key", holds: (key) => key },
  google: { header: "x-goog-api-key", holds: (key) => key },
  cohere: { header: "authorization", holds: (key) => `Bearer ${key}` },
  groq: { header: "authorization", holds: (key) => `Bearer ${key}` },
};

describe("X-Modelux-Provider-Key", () => {
  let harness: GatewayHarness;
  let traces: RecentTraces;
  beforeAll(() => {
    harness = startGatewayHarness({
      routingConfigs: {
        "cross-vendor": {
          strategy: "fallback",
          attempts: [{ model: "anthropic/claude-sonnet-4-5" }, { model: "openai/gpt-4o-mini" }],
        },
        split: {
          strategy: "ab_test",
          variants: [
            { weight: 1, model: "openai/gpt-4o-mini" },
            { weight: 1, model: "anthropic/claude-sonnet-4-5" },
          ],
          sticky: "request",
        },
      },
      budgets: [
        { name: "capped", scope_type: "feature", scope_value: "team=capped", cap_usd: 1e-9 },
      ],
    });
    traces = harness.context.traces as RecentTraces;
  });
  afterAll(() => harness.stop());
  beforeEach(async () => {
    harness.setProjectSettings({});
    await fetch(`${harness.simulator.url}/_sim/faults`, { method: "DELETE" });
    await fetch(`${harness.simulator.url}/_sim/calls`, { method: "DELETE" });
  });

  const openai = (key?: string) =>
    new OpenAI({
      baseURL: `${harness.baseUrl}/openai/v1`,
      apiKey: HARNESS_KEY,
      maxRetries: 0,
      ...(key === undefined ? {} : { defaultHeaders: { [HEADER]: key } }),
    });
  const anthropic = (key?: string) =>
    new Anthropic({
      baseURL: `${harness.baseUrl}/anthropic`,
      apiKey: HARNESS_KEY,
      maxRetries: 0,
      ...(key === undefined ? {} : { defaultHeaders: { [HEADER]: key } }),
    });
  type Recorded = { path: string; headers: Record<string, string> };
  const lastCalls = async () =>
    (
      (await (await fetch(`${harness.simulator.url}/_sim/calls`)).json()) as {
        last: Record<string, Recorded>;
      }
    ).last;
  const traceOf = (requestId: string | null) => {
    const trace = traces.find(requestId ?? "");
    if (!trace) throw new Error(`no trace for ${requestId}`);
    return trace;
  };
  const rejection = (promise: Promise<unknown>) =>
    promise.then(
      () => null,
      (error: unknown) => error as InstanceType<typeof OpenAI.APIError>,
    );
  const hello = [{ role: "user" as const, content: "Hello!" }];

  test("the OpenAI SDK's key reaches the upstream instead of the stored one; the trace keeps its fingerprint and keyed hash", async () => {
    const { data, response } = await openai(OPENAI_KEY)
      .chat.completions.create({ model: "@openai", messages: hello })
      .withResponse();
    expect(data.choices[0]?.message.content).toBeTruthy();
    const upstream = (await lastCalls()).openai;
    expect(upstream?.headers.authorization).toBe(`Bearer ${OPENAI_KEY}`);
    const trace = traceOf(response.headers.get("x-modelux-request-id"));
    expect(trace.provider_key).toEqual({
      vendor: "openai",
      fingerprint: "sk-proj-…TA0A",
      hash: BOX.keyedHash("provider-key", OPENAI_KEY),
    });
    expect(trace.attempts[0]?.provider_key).toBe("sk-proj-…TA0A");
    expect(JSON.stringify(trace)).not.toContain(OPENAI_KEY);
    expect(JSON.stringify([...response.headers])).not.toContain(OPENAI_KEY);
    // Without the header the stored credential is used, and nothing says BYOK.
    const stored = await openai()
      .chat.completions.create({ model: "@openai", messages: hello })
      .withResponse();
    expect((await lastCalls()).openai?.headers.authorization).toBe("Bearer sk-sim");
    expect(traceOf(stored.response.headers.get("x-modelux-request-id")).provider_key).toBe(
      undefined,
    );
  });

  test("streams: the OpenAI SDK through a translated vendor, the Anthropic SDK on the fast path", async () => {
    const stream = await openai(`anthropic=${ANTHROPIC_KEY}`).chat.completions.create({
      model: "@anthropic",
      messages: hello,
      stream: true,
    });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    expect(text.length).toBeGreaterThan(0);
    expect((await lastCalls()).anthropic?.headers["x-api-key"]).toBe(ANTHROPIC_KEY);

    const messages = anthropic(ANTHROPIC_KEY).messages.stream({
      model: "@anthropic",
      max_tokens: 64,
      messages: hello,
    });
    const final = await messages.finalMessage();
    expect(final.content.length).toBeGreaterThan(0);
    expect((await lastCalls()).anthropic?.headers["x-api-key"]).toBe(ANTHROPIC_KEY);
    const requestId = (await messages.withResponse()).response.headers.get("x-modelux-request-id");
    expect(traceOf(requestId).provider_key?.fingerprint).toBe("sk-ant-a…yzQ9");
  });

  test("every vendor's adapter sends the caller's key in its own auth header", async () => {
    for (const [vendor, auth] of Object.entries(AUTH)) {
      const key = `byok-${vendor}-0123456789abcdefghijklmnop`;
      await fetch(`${harness.simulator.url}/_sim/calls`, { method: "DELETE" });
      const answer = await openai(key).chat.completions.create({
        model: `@${vendor}`,
        messages: hello,
      });
      expect(answer.choices[0]?.message.content).toBeTruthy();
      const recorded = Object.values(await lastCalls());
      expect(recorded).toHaveLength(1);
      expect(recorded[0]?.headers[auth.header]).toBe(auth.holds(key));
      expect(JSON.stringify(recorded[0]?.headers)).not.toContain(
        HARNESS_VENDORS[vendor]?.credential as string,
      );
    }
  });

  test("Bedrock: a key in ACCESS_KEY_ID::SECRET::REGION form signs the call; any other is a 400 naming the header", async () => {
    await openai(BEDROCK_KEY).chat.completions.create({ model: "@bedrock", messages: hello });
    const signed = (await lastCalls()).bedrock?.headers.authorization ?? "";
    expect(signed).toStartWith("AWS4-HMAC-SHA256 Credential=AKIABYOKUSERKEY12345/");
    expect(signed).toContain("/us-west-2/bedrock/aws4_request");
    await fetch(`${harness.simulator.url}/_sim/calls`, { method: "DELETE" });
    const bad = await rejection(
      openai("just-one-part-of-a-key-0123456789").chat.completions.create({
        model: "@bedrock",
        messages: hello,
      }),
    );
    expect(bad).toBeInstanceOf(OpenAI.BadRequestError);
    expect(bad?.message).toContain(HEADER);
    expect(bad?.message).toContain("ACCESS_KEY_ID::SECRET_ACCESS_KEY::REGION");
    expect(bad?.message).not.toContain("just-one-part");
    expect(await lastCalls()).toEqual({});
  });

  test("embeddings and count_tokens run on the caller's key", async () => {
    await openai(OPENAI_KEY).embeddings.create({
      model: "openai/text-embedding-3-small",
      input: "hello",
    });
    const embedded = (await lastCalls()).openai;
    expect(embedded?.path).toBe("/v1/embeddings");
    expect(embedded?.headers.authorization).toBe(`Bearer ${OPENAI_KEY}`);
    const { data, response } = await anthropic(ANTHROPIC_KEY)
      .messages.countTokens({ model: "@anthropic", messages: hello })
      .withResponse();
    expect(data.input_tokens).toBeGreaterThan(0);
    const counted = (await lastCalls()).anthropic;
    expect(counted?.path).toBe("/v1/messages/count_tokens");
    expect(counted?.headers["x-api-key"]).toBe(ANTHROPIC_KEY);
    expect(traceOf(response.headers.get("x-modelux-request-id")).provider_key?.vendor).toBe(
      "anthropic",
    );
  });

  test("the Responses API: passthrough and translated, streamed, and a background response read back, on the caller's keys", async () => {
    const client = openai(`openai=${OPENAI_KEY}, anthropic=${ANTHROPIC_KEY}`);
    const created = await client.responses.create({ model: "@openai", input: "Say hello" });
    expect(created.output_text.length).toBeGreaterThan(0);
    const passthrough = (await lastCalls()).openai;
    expect(passthrough?.path).toBe("/v1/responses");
    expect(passthrough?.headers.authorization).toBe(`Bearer ${OPENAI_KEY}`);

    const stream = await client.responses.create({
      model: "@anthropic",
      input: "Say hello",
      stream: true,
    });
    for await (const _event of stream);
    expect((await lastCalls()).anthropic?.headers["x-api-key"]).toBe(ANTHROPIC_KEY);

    // The simulator keeps responses per API key, as OpenAI keeps them per account: one made on
    // the caller's key is read back with it.
    const background = await client.responses.create({
      model: "@openai",
      input: "Say hello",
      background: true,
    });
    const read = await client.responses.retrieve(background.id);
    expect(read.id).toBe(background.id);
    const retrieved = (await lastCalls()).openai;
    expect(retrieved?.path).toStartWith(`/v1/responses/${background.id}`);
    expect(retrieved?.headers.authorization).toBe(`Bearer ${OPENAI_KEY}`);
  });

  test("across vendors: named keys serve their vendors; a vendor without one is skipped, never the stored credential", async () => {
    const { response } = await openai(`openai=${OPENAI_KEY}`)
      .chat.completions.create({ model: "@cross-vendor", messages: hello })
      .withResponse();
    expect(response.headers.get("x-modelux-provider-used")).toBe("openai");
    const calls = await lastCalls();
    expect(calls.anthropic).toBeUndefined();
    expect(calls.openai?.headers.authorization).toBe(`Bearer ${OPENAI_KEY}`);
    const trace = traceOf(response.headers.get("x-modelux-request-id"));
    expect(trace.candidates[0]).toMatchObject({ provider: "anthropic", status: "skipped" });
    expect(trace.candidates[0]?.reason).toContain(`${HEADER} has no anthropic key`);

    // Both keys: the first target answers on the caller's Anthropic key.
    await openai(`openai=${OPENAI_KEY}, anthropic=${ANTHROPIC_KEY}`).chat.completions.create({
      model: "@cross-vendor",
      messages: hello,
    });
    expect((await lastCalls()).anthropic?.headers["x-api-key"]).toBe(ANTHROPIC_KEY);

    // A bare key cannot say which vendor it is for, even when this request's A/B variant
    // would have been one vendor.
    for (const model of ["@cross-vendor", "@split"]) {
      const ambiguous = await rejection(
        openai(OPENAI_KEY).chat.completions.create({ model, messages: hello }),
      );
      expect(ambiguous).toBeInstanceOf(OpenAI.BadRequestError);
      expect(ambiguous?.message).toContain("anthropic, openai");
      expect(ambiguous?.message).toContain(HEADER);
    }
    // Keys for no vendor of the route: nothing to serve it with.
    const none = await rejection(
      openai(`google=${OPENAI_KEY}`).chat.completions.create({ model: "@openai", messages: hello }),
    );
    expect(none).toBeInstanceOf(OpenAI.BadRequestError);
    expect(none?.message).toContain("served by openai");
  });

  test("a malformed header is a 400 naming it, quoting no key", async () => {
    for (const value of [
      " ",
      `openai=${OPENAI_KEY},not-a-pair`,
      `openai=${OPENAI_KEY},openai=${OPENAI_KEY}`,
      `openai=two words`,
    ]) {
      const error = await rejection(
        openai(value).chat.completions.create({ model: "@openai", messages: hello }),
      );
      expect(error).toBeInstanceOf(OpenAI.BadRequestError);
      expect(error?.message).toContain(HEADER);
      expect(error?.message).not.toContain(OPENAI_KEY);
    }
  });

  test("a key the provider refuses is the caller's 401, scrubbed, and leaves the provider's health alone", async () => {
    await fetch(`${harness.simulator.url}/_sim/faults`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        model: "gpt-4o-mini",
        status: 401,
        count: 3,
        body: { error: { message: `Incorrect API key provided: ${OPENAI_KEY}`, code: 401 } },
      }),
    });
    const refused = await rejection(
      openai(OPENAI_KEY).chat.completions.create({ model: "@openai", messages: hello }),
    );
    expect(refused).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(refused?.message).toContain(HEADER);
    expect(JSON.stringify(refused)).not.toContain(OPENAI_KEY);
    expect(traces.all().at(-1)?.attempts[0]?.status).toBe(401);
    for (let index = 0; index < 2; index++) {
      await rejection(
        openai(OPENAI_KEY).chat.completions.create({ model: "@openai", messages: hello }),
      );
    }
    // The org's own traffic is not held back by a caller's bad key: no failure counted.
    const health = harness.context.health.snapshot(healthKey("prv_openai", "gpt-4o-mini"));
    expect(health.consecutiveFailures).toBe(0);
    expect(health.state).toBe("closed");

    // An upstream message quoting the key on a 400 reaches the caller without it, even a key
    // no pattern would take for one.
    const plainKey = "my-own-key-for-this-request-7f3a";
    await fetch(`${harness.simulator.url}/_sim/faults`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        model: "gpt-4o-mini",
        status: 400,
        body: { error: { message: `key ${plainKey} may not use this model`, code: 400 } },
      }),
    });
    const quoted = await rejection(
      openai(plainKey).chat.completions.create({ model: "@openai", messages: hello }),
    );
    expect(quoted).toBeInstanceOf(OpenAI.BadRequestError);
    expect(quoted?.message).toContain("may not use this model");
    expect(JSON.stringify(quoted)).not.toContain(plainKey);
    expect(JSON.stringify(traces.all().at(-1))).not.toContain(plainKey);
  });

  test("an error inside a stream is scrubbed of the caller's key", async () => {
    const plainKey = "my-own-stream-key-for-a-request-9c1d";
    await fetch(`${harness.simulator.url}/_sim/faults`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        model: "claude-sonnet-4-5",
        status: 529,
        in_stream: true,
        body: {
          type: "error",
          error: { type: "overloaded_error", message: `overloaded for ${plainKey}` },
        },
      }),
    });
    const response = await fetch(`${harness.baseUrl}/openai/v1/chat/completions`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${HARNESS_KEY}`,
        "content-type": "application/json",
        [HEADER]: `anthropic=${plainKey}`,
      },
      body: JSON.stringify({ model: "@anthropic", messages: hello, stream: true }),
    });
    const text = await response.text();
    expect(text).toContain("overloaded for");
    expect(text).not.toContain(plainKey);
  });

  test("budgets: the caller's own key is not counted against nor stopped by the org's caps", async () => {
    const capped = { "X-Modelux-User-Tags": "team=capped" };
    const client = (key?: string) =>
      new OpenAI({
        baseURL: `${harness.baseUrl}/openai/v1`,
        apiKey: HARNESS_KEY,
        maxRetries: 0,
        defaultHeaders: key === undefined ? capped : { ...capped, [HEADER]: key },
      });
    await client().chat.completions.create({ model: "@openai", messages: hello });
    const blocked = await rejection(
      client().chat.completions.create({ model: "@openai", messages: hello }),
    );
    expect(blocked?.status).toBe(402);
    const { response } = await client(OPENAI_KEY)
      .chat.completions.create({ model: "@openai", messages: hello })
      .withResponse();
    expect(response.status).toBe(200);
    const trace = traceOf(response.headers.get("x-modelux-request-id"));
    expect(trace.budgets).toEqual([]);
    expect(trace.cost_usd).toBeGreaterThan(0);
  });

  test("project setting: forbid refuses the header (400), require refuses its absence (401)", async () => {
    harness.setProjectSettings({ provider_keys: "forbid" });
    const forbidden = await rejection(
      openai(OPENAI_KEY).chat.completions.create({ model: "@openai", messages: hello }),
    );
    expect(forbidden).toBeInstanceOf(OpenAI.BadRequestError);
    expect(forbidden?.message).toContain(HEADER);
    expect(await lastCalls()).toEqual({});
    const withoutKey = await anthropic().messages.create({
      model: "@anthropic",
      max_tokens: 16,
      messages: hello,
    });
    expect(withoutKey.content.length).toBeGreaterThan(0);

    harness.setProjectSettings({ provider_keys: "require" });
    const missing = await rejection(
      anthropic().messages.create({ model: "@anthropic", max_tokens: 16, messages: hello }),
    );
    expect(missing).toBeInstanceOf(Anthropic.AuthenticationError);
    expect(missing?.message).toContain(HEADER);
    const missingEmbeddings = await rejection(
      openai().embeddings.create({ model: "openai/text-embedding-3-small", input: "x" }),
    );
    expect(missingEmbeddings).toBeInstanceOf(OpenAI.AuthenticationError);
    const served = await anthropic(ANTHROPIC_KEY).messages.create({
      model: "@anthropic",
      max_tokens: 16,
      messages: hello,
    });
    expect(served.content.length).toBeGreaterThan(0);
    expect((await lastCalls()).anthropic?.headers["x-api-key"]).toBe(ANTHROPIC_KEY);
  });
});
