// The hand check of a Chat Completions answer (convert-response.ts isChatCompletion) against the
// schema it stands in for: on generated answers, valid and not, it takes exactly what the schema
// takes, and what it takes reads the same as the schema's output.
import { expect, test } from "bun:test";
import * as v from "valibot";
import { mulberry32 } from "#shared/random/mulberry32.ts";
import {
  convertOpenAiResponse,
  isChatCompletion,
  responseSchema,
} from "../../dataplane/providers/openai/convert-response.ts";

const random = mulberry32;

const ABSENT = Symbol("absent");

test("takes exactly the answers the schema takes, and reads them the same", () => {
  const next = random(7);
  const pick = <T>(items: T[]): T => items[Math.floor(next() * items.length)] as T;
  const set = (target: Record<string, unknown>, key: string, values: unknown[]) => {
    const value = pick(values);
    if (value !== ABSENT) target[key] = value;
  };
  const call = () => {
    const result: Record<string, unknown> = {};
    set(result, "id", [ABSENT, "call_1", null, 5]);
    set(result, "type", [ABSENT, "function"]);
    const fn: Record<string, unknown> = {};
    set(fn, "name", [ABSENT, "f", null, 1]);
    set(fn, "arguments", [ABSENT, "{}", { a: 1 }, null]);
    set(result, "function", [ABSENT, fn, null, "x", [fn]]);
    return pick<unknown>([result, result, result, null, "call", [result]]);
  };
  const message = () => {
    const result: Record<string, unknown> = {};
    set(result, "role", [ABSENT, "assistant"]);
    set(result, "content", [ABSENT, "hello", null, [{ type: "text", text: "a" }], 5]);
    set(result, "reasoning_content", [ABSENT, "thinking", null]);
    set(result, "refusal", [ABSENT, null, "no", 3]);
    set(result, "tool_calls", [ABSENT, null, [], [call()], [call(), call()], "x", {}]);
    return pick<unknown>([result, result, result, result, null, "m", [result], 0]);
  };
  const choice = () => {
    const result: Record<string, unknown> = { index: 0 };
    set(result, "message", [ABSENT, message(), message(), message()]);
    set(result, "finish_reason", [ABSENT, "stop", null, 1]);
    return pick<unknown>([result, result, result, null, "c", [result]]);
  };
  let taken = 0;
  for (let index = 0; index < 20_000; index++) {
    const answer: Record<string, unknown> = {};
    set(answer, "id", ["chatcmpl-1", ABSENT, null, 1]);
    set(answer, "object", ["chat.completion", ABSENT]);
    set(answer, "model", ["gpt-4o-mini", ABSENT, null, false]);
    set(answer, "choices", [
      [choice()],
      [choice()],
      [choice(), choice()],
      [],
      ABSENT,
      null,
      { 0: choice() },
    ]);
    set(answer, "usage", [ABSENT, { prompt_tokens: 1, completion_tokens: 2 }, null, "x"]);
    const body = pick<unknown>([answer, answer, answer, answer, null, "text", [answer], 5]);
    const schema = v.safeParse(responseSchema, body);
    expect(isChatCompletion(body)).toBe(schema.success);
    if (!schema.success) continue;
    taken++;
    // Read in place or from the schema's copy: the same canonical answer.
    const inPlace = convertOpenAiResponse(body);
    const copied = convertOpenAiResponse(structuredClone(schema.output));
    expect({ ...inPlace.value, content: stripIds(inPlace.value.content) }).toEqual({
      ...copied.value,
      content: stripIds(copied.value.content),
    });
    expect(inPlace.warnings).toEqual(copied.warnings);
  }
  expect(taken).toBeGreaterThan(1_000);
});

/** Tool calls without an id get a generated one: compare all but that. */
function stripIds(content: unknown[]) {
  return content.map((block) =>
    typeof block === "object" && block !== null && "id" in block ? { ...block, id: "" } : block,
  );
}
