// The hand check of the common Chat Completions body (fast-chat-request.ts) against the schema it
// stands in for: on thousands of generated bodies, valid and not, whenever the hand check takes a
// body the schema takes it too and outputs the same request; every body made only of what the
// hand check covers is taken by it (so the request path really skips the schema for them).
import { describe, expect, test } from "bun:test";
import * as v from "valibot";
import { parseOpenAiChatRequest } from "../../dataplane/surfaces/openai/parse-request.ts";
import { fastChatRequest } from "../../dataplane/wire/openai/fast-chat-request.ts";
import { chatRequestSchema } from "../../dataplane/wire/openai/request-schema.ts";
import { expectHandCheckAgreesWithSchema } from "../support/hand-check.ts";

const ABSENT = Symbol("absent");
type Choice = unknown | typeof ABSENT;

// Values each field may take: ones the hand check covers, ones it leaves to the schema, wrong ones.
const MESSAGES_POOL = (pick: <T>(items: T[]) => T): Record<string, unknown>[] => {
  const text = pick(["hello", "", "ünïcødé → 🚀", "x".repeat(300)]);
  const name = pick<Choice>([ABSENT, ABSENT, "alice", null, undefined, "", 7]);
  const extra = pick<Choice>([ABSENT, ABSENT, "dropped", { nested: true }]);
  const withName = (message: Record<string, unknown>) => {
    if (name !== ABSENT) message.name = name;
    if (extra !== ABSENT) message.unknown_key = extra;
    return message;
  };
  return [
    withName({ role: "user", content: text }),
    withName({ role: "system", content: text }),
    withName({ role: "developer", content: text }),
    withName({ role: "assistant", content: text }),
    withName({ role: "assistant", content: null }),
    withName({ role: "assistant" }),
    withName({ role: "assistant", content: text, refusal: null, tool_calls: null }),
    withName({ role: "assistant", content: text, "mlx:signature": null, audio: undefined }),
    { role: "tool", tool_call_id: "c1", content: text },
    { role: "tool", tool_call_id: "c1", content: text, name: "dropped" },
    // Left to the schema:
    withName({ role: "assistant", content: text, refusal: "no" }),
    withName({ role: "assistant", content: text, refusal: 5 }),
    withName({ role: "assistant", content: text, tool_calls: "bad", audio: { id: 1 } }),
    withName({
      role: "assistant",
      content: null,
      tool_calls: [{ id: "c1", type: "function", function: { name: "f", arguments: "{}" } }],
    }),
    { role: "tool", tool_call_id: 5, content: text },
    { role: "tool", content: text },
    withName({ role: "user", content: [{ type: "text", text }] }),
    withName({ role: "user", content: 42 }),
    withName({ role: "user" }),
    withName({ role: "robot", content: text }),
    withName({ content: text }),
  ];
};

const FIELDS: Record<string, unknown[]> = {
  max_tokens: [1, 20, 10_000_000, 10_000_001, 0, 2.5, -1, "20", null],
  max_completion_tokens: [64, 0, null, 1e308],
  temperature: [0, 0.7, 2, 2.01, -0.1, "0.5", null],
  top_p: [0, 1, 1.5, null, true],
  presence_penalty: [-2, 2, 2.5, null],
  frequency_penalty: [0.5, -3, null],
  stream: [true, false, null, "yes"],
  stream_options: [
    { include_usage: true },
    { include_usage: "yes" },
    { include_obfuscation: false, other: 1 },
    {},
    [],
    null,
    "x",
  ],
  stop: ["\n", ["a", "b"], [], ["a", 1], 3, null],
  user: ["u-1", "", 9, null],
  n: [1, 128, 129, 1.5, null],
  seed: [42, -7, 2 ** 60, 1.5, null],
  store: [true, "false", null],
  logprobs: [false, null, 1],
  service_tier: ["auto", 1, null],
  reasoning_effort: ["low", "xhigh", 3, null],
  parallel_tool_calls: [true, null, "no"],
  tools: [null, [{ type: "function", function: { name: "f" } }], "x"],
  tool_choice: [null, "auto", { type: "function", function: { name: "f" } }],
  response_format: [null, { type: "json_object" }],
  metadata: [null, { a: "b" }, { a: 1 }],
  logit_bias: [null, { "50256": -100 }],
  top_logprobs: [null, 3],
  modalities: [null, ["text"]],
  // Fields the schema does not declare: kept as they are (or, for these three names, left out).
  custom_field: [1, "x", { deep: [1, 2] }, null],
  constructor: ["not a function"],
  prototype: [1],
};

/** A body: most of the time made of covered, valid values; otherwise of anything in the pools. */
function body(next: () => number): Record<string, unknown> {
  const pick = <T>(items: T[]): T => items[Math.floor(next() * items.length)] as T;
  // Covered values come first in each pool: a plain body picks among the first few only.
  const plain = next() < 0.5;
  const early = <T>(items: T[], count: number): T =>
    plain ? (items[Math.floor(next() * Math.min(count, items.length))] as T) : pick(items);
  const result: Record<string, unknown> = {};
  const model = early<Choice>(
    ["gpt-4o-mini", "@bench", "m".repeat(256), "", "m".repeat(257), 5, ABSENT],
    3,
  );
  if (model !== ABSENT) result.model = model;
  const count = plain ? pick([1, 1, 2, 3]) : pick([0, 1, 1, 2, 3, 5]);
  const shape = early(["array", "array", "array", "absent", "string", "null"], 3);
  if (shape === "array")
    result.messages = Array.from({ length: count }, () => early(MESSAGES_POOL(pick), 11));
  else if (shape === "string") result.messages = "hello";
  else if (shape === "null") result.messages = null;
  for (const [key, values] of Object.entries(FIELDS)) {
    if (next() >= 0.12) continue;
    Object.defineProperty(result, key, {
      value: early(values, 2),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return result;
}

describe("the common Chat Completions body checked by hand", () => {
  test("every field the schema declares but model and messages is nullish (the hand check's default)", () => {
    for (const [key, schema] of Object.entries(chatRequestSchema.entries)) {
      if (key === "model" || key === "messages") continue;
      expect(`${key}: ${schema.type}`).toBe(`${key}: nullish`);
    }
  });

  test("whenever it takes a body, the schema takes it too and outputs the same request", () => {
    expectHandCheckAgreesWithSchema({
      hand: fastChatRequest,
      schema: chatRequestSchema,
      body,
      seed: 20,
    });
  });

  test("a body made only of what it covers is taken by hand, as the benchmark's is", () => {
    const bodies = [
      {
        model: "@bench",
        max_tokens: 20,
        messages: [{ role: "user", content: "Say hello in one short sentence." }],
      },
      {
        model: "gpt-4o-mini",
        messages: [
          { role: "system", content: "Be brief.", name: null },
          { role: "user", content: "hi", name: "alice" },
          { role: "assistant", content: null, refusal: null },
          { role: "tool", tool_call_id: "c1", content: "42" },
          { role: "developer", content: "" },
        ],
        temperature: 0.2,
        top_p: 1,
        stream: true,
        stream_options: { include_usage: true },
        stop: ["\n"],
        user: "u",
        n: 1,
        seed: 3,
        store: false,
        tools: null,
        custom: { kept: true },
      },
    ];
    for (const fields of bodies) {
      const fast = fastChatRequest(fields);
      expect(fast).not.toBeNull();
      expect(fast).toStrictEqual(v.parse(chatRequestSchema, fields) as typeof fast);
    }
  });

  test("the surface's parse gives the same canonical request and errors either way", () => {
    const ok = {
      model: "@bench",
      max_tokens: 20,
      messages: [{ role: "user", content: "hello", name: "n" }],
      custom: 1,
    };
    const canonical = parseOpenAiChatRequest(structuredClone(ok));
    expect(canonical.value).toMatchObject({
      model: "@bench",
      maxTokens: 20,
      messages: [{ role: "user", content: [{ type: "text", text: "hello" }] }],
      openAiOnly: { custom: 1 },
    });
    expect(canonical.warnings.map((warning) => warning.subject)).toEqual(["messages[0].name"]);
    // Out of the hand check's range: the schema's error, naming the field.
    expect(() => parseOpenAiChatRequest({ ...ok, max_tokens: 0 })).toThrow(/max_tokens/);
    expect(() => parseOpenAiChatRequest({ ...ok, messages: [] })).toThrow(/messages/);
  });
});
