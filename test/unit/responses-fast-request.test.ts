// The hand check of the common Responses body (dataplane/surfaces/responses/fast-request.ts)
// against the schema it stands in for: on thousands of generated bodies, valid and not, whenever
// the hand check takes a body the schema takes it too and outputs the same request; a body made
// only of what the hand check covers (the benchmark's) is taken by it.
import { describe, expect, test } from "bun:test";
import * as v from "valibot";
import { fastResponsesRequest } from "../../dataplane/surfaces/responses/fast-request.ts";
import { checkResponsesRequest } from "../../dataplane/surfaces/responses/parse-request.ts";
import { responsesRequestSchema } from "../../dataplane/surfaces/responses/request-schema.ts";
import { expectHandCheckAgreesWithSchema } from "../support/hand-check.ts";

const ABSENT = Symbol("absent");

// Values each field may take: covered and valid first, then ones left to the schema, wrong ones.
const FIELDS: Record<string, unknown[]> = {
  input: ["Say hi", "", null, [{ role: "user", content: "hi" }], 5, { text: "x" }],
  max_output_tokens: [20, 1, 10_000_000, 10_000_001, 0, 2.5, "20", null],
  temperature: [0, 0.7, 2, 2.01, -0.1, "0.5", null],
  top_p: [0, 1, 1.5, null, true],
  stream: [true, false, null, "yes"],
  store: [false, true, null, "false"],
  background: [false, null, 1],
  parallel_tool_calls: [true, null, "no"],
  instructions: ["Be brief.", "", null, 7],
  user: ["u-1", null, 9],
  safety_identifier: ["s", null, false],
  service_tier: ["auto", null, 1],
  prompt_cache_key: ["k", null, {}],
  previous_response_id: ["resp_1", null, "", 5],
  include: [["reasoning.encrypted_content"], [], null, ["a", 1], "x"],
  stream_options: [null, { include_obfuscation: false }, { include_obfuscation: "no" }],
  tools: [null, [{ type: "function", name: "f" }], "x"],
  tool_choice: [null, "auto", "sometimes"],
  text: [null, { format: { type: "text" } }, { verbosity: "loud" }],
  reasoning: [null, { effort: "low" }],
  metadata: [null, { a: "b" }, { a: 1 }],
  truncation: [null, "auto", "sideways"],
  top_logprobs: [null, 3, 21],
  max_tool_calls: [null, 2, 0],
  // Fields the schema does not declare: kept as they are (or, for these two names, left out).
  custom_field: [1, "x", { deep: [1, 2] }, null],
  constructor: ["not a function"],
  prototype: [1],
};

function body(next: () => number): Record<string, unknown> {
  const pick = <T>(items: T[]): T => items[Math.floor(next() * items.length)] as T;
  const plain = next() < 0.5;
  const early = <T>(items: T[], count: number): T =>
    plain ? (items[Math.floor(next() * Math.min(count, items.length))] as T) : pick(items);
  const result: Record<string, unknown> = {};
  const model = early<unknown>(
    ["gpt-4o-mini", "@bench", "m".repeat(256), "", "m".repeat(257), 5, ABSENT],
    3,
  );
  if (model !== ABSENT) result.model = model;
  for (const [key, values] of Object.entries(FIELDS)) {
    if (next() >= (key === "input" ? 0.9 : 0.15)) continue;
    Object.defineProperty(result, key, {
      value: early(values, 2),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return result;
}

describe("the common Responses body checked by hand", () => {
  test("every field the schema declares but model is nullish (the hand check's default)", () => {
    for (const [key, schema] of Object.entries(responsesRequestSchema.entries)) {
      if (key === "model") continue;
      expect(`${key}: ${schema.type}`).toBe(`${key}: nullish`);
    }
  });

  test("whenever it takes a body, the schema takes it too and outputs the same request", () => {
    expectHandCheckAgreesWithSchema({
      hand: fastResponsesRequest,
      schema: responsesRequestSchema,
      body,
      seed: 16,
    });
  });

  test("a body made only of what it covers is taken by hand, as the benchmark's is", () => {
    const bodies = [
      {
        model: "@bench",
        max_output_tokens: 20,
        input: "Say hello in one short sentence.",
        stream: true,
      },
      {
        model: "gpt-4o-mini",
        input: "hi",
        instructions: "Be brief.",
        temperature: 0.2,
        top_p: 1,
        store: false,
        previous_response_id: "resp_1",
        include: ["reasoning.encrypted_content"],
        user: "u",
        tools: null,
        custom: { kept: true },
      },
    ];
    for (const fields of bodies) {
      const fast = fastResponsesRequest(fields);
      expect(fast).not.toBeNull();
      expect(fast).toStrictEqual(v.parse(responsesRequestSchema, fields) as typeof fast);
    }
  });

  test("a body outside it is still judged by the schema, the field named", () => {
    expect(() =>
      checkResponsesRequest({ model: "@bench", input: "hi", max_output_tokens: 0 }),
    ).toThrow(/max_output_tokens/);
    expect(() => checkResponsesRequest({ model: "@bench", input: 5 })).toThrow(/input/);
    expect(checkResponsesRequest({ model: "@bench", input: "hi", stream: true }).items).toEqual([
      { type: "message", role: "user", content: "hi" },
    ]);
  });
});
