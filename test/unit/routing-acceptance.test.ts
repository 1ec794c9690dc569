// Cascade acceptance checks: each check passing and failing, finish-reason names of both vendors,
// refusal detection without false positives, the judge's request and the tolerant score reader.
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import type { AssistantContent } from "#shared/canonical/content.ts";
import type { CanonicalRequest } from "#shared/canonical/request.ts";
import type { CanonicalResponse, StopReason } from "#shared/canonical/response.ts";
import {
  type AcceptanceSpec,
  buildJudgeScoreRequest,
  checkAcceptance,
  needsJudge,
  parseJudgeScore,
} from "../../dataplane/routing/strategies/cascade/acceptance.ts";
import { answerText, refusalOf } from "../../dataplane/routing/strategies/composed-answers.ts";

function answer(
  content: string | AssistantContent[],
  stopReason: StopReason = "end_turn",
): CanonicalResponse {
  return {
    id: "msg_1",
    model: "small-model",
    content: typeof content === "string" ? [{ type: "text", text: content }] : content,
    stopReason,
    usage: {
      inputTokens: 10,
      outputTokens: 5,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
      reasoningTokens: 0,
    },
  };
}

const toolCall = (name = "get_weather", input: unknown = { city: "Paris" }): AssistantContent => ({
  type: "tool-use",
  id: "call_1",
  name,
  input,
});

describe("answerText", () => {
  test("concatenates text blocks and leaves thinking and tool calls out", () => {
    const response = answer([
      { type: "thinking", text: "let me think", signature: "sig" },
      { type: "text", text: "Hello, " },
      toolCall(),
      { type: "text", text: "world" },
    ]);
    expect(answerText(response)).toBe("Hello, world");
  });
});

describe("default check (no accept on the step)", () => {
  test("accepts a complete answer and says why", () => {
    expect(checkAcceptance(answer("  Paris is the capital.  "), undefined)).toEqual({
      accepted: true,
      reason: "accepted: end_turn, 21 chars",
    });
  });

  test("accepts an answer that is only a tool call", () => {
    const result = checkAcceptance(answer([toolCall()], "tool_use"), undefined);
    expect(result).toEqual({ accepted: true, reason: "accepted: tool_use, 0 chars, 1 tool call" });
  });

  test.each(["max_tokens", "error", "content_filter"] as const)(
    "refuses stop reason %s",
    (stop) => {
      const result = checkAcceptance(answer("partial", stop), undefined);
      expect(result).toEqual({
        accepted: false,
        reason: `finish reason ${stop}`,
        failedCheck: "finish_reason",
      });
    },
  );

  test("refuses a refusal, by stop reason or by text", () => {
    expect(checkAcceptance(answer("", "refusal"), undefined).failedCheck).toBe("refusal");
    const result = checkAcceptance(answer("I'm sorry, but I can't help with that."), undefined);
    expect(result.failedCheck).toBe("refusal");
    expect(result.reason).toBe(`refusal: "I'm sorry, but I can't help with that."`);
  });

  test("refuses an empty answer", () => {
    expect(checkAcceptance(answer("   \n"), undefined)).toEqual({
      accepted: false,
      reason: "empty answer",
      failedCheck: "min_length",
    });
  });

  test("an explicit empty spec accepts anything", () => {
    expect(checkAcceptance(answer("", "max_tokens"), {}).accepted).toBe(true);
  });
});

describe("finish_reason", () => {
  const accepts = (names: AcceptanceSpec["finish_reason"], stop: StopReason) =>
    checkAcceptance(answer("ok", stop), { finish_reason: names }).accepted;

  test.each([
    ["stop", "end_turn", "end_turn"],
    ["length", "max_tokens", "max_tokens"],
    ["tool_calls", "tool_use", "tool_use"],
  ] as const)("OpenAI %s and Anthropic %s both accept %s", (openAi, anthropic, stop) => {
    expect(accepts([openAi], stop)).toBe(true);
    expect(accepts([anthropic], stop)).toBe(true);
  });

  test("OpenAI stop also covers a stop sequence; Anthropic end_turn does not", () => {
    expect(accepts(["stop"], "stop_sequence")).toBe(true);
    expect(accepts(["stop_sequence"], "stop_sequence")).toBe(true);
    expect(accepts(["end_turn"], "stop_sequence")).toBe(false);
  });

  test("content_filter is accepted only when listed", () => {
    expect(accepts(["content_filter"], "content_filter")).toBe(true);
    expect(accepts(["stop"], "content_filter")).toBe(false);
  });

  test.each(["refusal", "pause_turn", "error", "other"] as const)("no name accepts %s", (stop) => {
    const all = ["stop", "length", "tool_calls", "content_filter", "stop_sequence"] as const;
    expect(accepts([...all], stop)).toBe(false);
  });

  test("the failure names the stop reason and the list", () => {
    expect(checkAcceptance(answer("cut", "max_tokens"), { finish_reason: ["stop"] })).toEqual({
      accepted: false,
      reason: "finish reason max_tokens not in [stop]",
      failedCheck: "finish_reason",
    });
  });
});

describe("refusal detection", () => {
  const refusals = [
    "I'm sorry, but I can't help with that.",
    "I’m sorry, but I can’t assist with that request.",
    "I am sorry, I cannot do this.",
    "Sorry, but I won't be able to help with this.",
    "I can't help with that.",
    "I cannot assist with this request.",
    "I can't help.",
    "I won't be able to help you with that.",
    "I'm unable to comply with this request.",
    "Unfortunately, I can't provide that information.",
    "i CANNOT ASSIST with that",
  ];
  test.each(refusals)("%s", (text) => {
    expect(refusalOf(answer(text))).not.toBeNull();
    expect(checkAcceptance(answer(text), { no_refusal: true }).failedCheck).toBe("refusal");
  });

  const answers = [
    "I can't wait to help you with this!",
    "I can't help but notice the bug on line 3.",
    "I cannot stress enough how important tests are.",
    "Sorry for the delay. Here is the answer: 42.",
    "I won't be late: the meeting is at 3pm.",
    "I'm sorry to hear that. Here are some things that may help.",
    "You can't help with that, but I can: the answer is 42.",
    "The model said: I'm sorry, but I can't help with that.",
    `I can't help with the legal part, but here is the technical answer. ${"Details. ".repeat(40)}`,
  ];
  test.each(answers)("not a refusal: %s", (text) => {
    expect(refusalOf(answer(text))).toBeNull();
    expect(checkAcceptance(answer(text), { no_refusal: true }).accepted).toBe(true);
  });

  test("stop reasons refusal and content_filter are refusals whatever the text", () => {
    expect(refusalOf(answer("Sure!", "refusal"))).toBe("refusal (stop reason refusal)");
    expect(refusalOf(answer("", "content_filter"))).toBe("refusal (stop reason content_filter)");
  });

  test("an answer with a tool call is not a refusal", () => {
    const response = answer([{ type: "text", text: "I can't help with that." }, toolCall()]);
    expect(refusalOf(response)).toBeNull();
  });

  test("no_refusal: false disables the check", () => {
    expect(checkAcceptance(answer("I can't help with that."), { no_refusal: false }).accepted).toBe(
      true,
    );
  });
});

describe("min_length", () => {
  test("counts characters of the trimmed text, code points not UTF-16 units", () => {
    expect(checkAcceptance(answer("  abcde  "), { min_length: 5 }).accepted).toBe(true);
    expect(checkAcceptance(answer("🙂🙂🙂"), { min_length: 3 }).accepted).toBe(true);
    expect(checkAcceptance(answer("🙂🙂🙂"), { min_length: 4 })).toEqual({
      accepted: false,
      reason: "answer has 3 chars, fewer than 4",
      failedCheck: "min_length",
    });
  });
});

describe("valid_json", () => {
  const json = (text: string) => checkAcceptance(answer(text), { valid_json: true });

  test.each([
    '{"a": 1}',
    "  [1, 2, 3]  ",
    '```json\n{"a": 1}\n```',
    '```JSON\n{"a": 1}```',
    '```\n{"a": [true, null]}\n```',
    "42",
  ])("accepts %j", (text) => {
    expect(json(text).accepted).toBe(true);
  });

  test.each([
    "",
    "{a: 1}",
    'Here you go: {"a": 1}',
    '```json\n{"a": 1}\n```\n```json\n{"b": 2}\n```',
    '```python\n{"a": 1}\n```',
  ])("refuses %j", (text) => {
    expect(json(text)).toEqual({
      accepted: false,
      reason: "answer is not valid JSON",
      failedCheck: "valid_json",
    });
  });
});

describe("tool_call", () => {
  test("needs at least one tool-use block", () => {
    expect(checkAcceptance(answer([toolCall()], "tool_use"), { tool_call: true }).accepted).toBe(
      true,
    );
    expect(checkAcceptance(answer("It is sunny."), { tool_call: true })).toEqual({
      accepted: false,
      reason: "no tool call in the answer",
      failedCheck: "tool_call",
    });
  });
});

describe("judge_score", () => {
  const spec: AcceptanceSpec = { judge_score: { judge: "big-model", min: 0.7 } };

  test("passes at or above min", () => {
    expect(checkAcceptance(answer("fine"), spec, 0.7)).toEqual({
      accepted: true,
      reason: "accepted: end_turn, 4 chars, judge score 0.7 >= 0.7",
    });
  });

  test("fails below min", () => {
    expect(checkAcceptance(answer("fine"), spec, 0.69)).toEqual({
      accepted: false,
      reason: "judge score 0.69 below 0.7",
      failedCheck: "judge_score",
    });
  });

  test.each([null, undefined, Number.NaN])("fails when the judge gave no score (%p)", (score) => {
    expect(checkAcceptance(answer("fine"), spec, score)).toEqual({
      accepted: false,
      reason: "the judge gave no score",
      failedCheck: "judge_score",
    });
  });

  test("needsJudge", () => {
    expect(needsJudge(spec)).toBe(true);
    expect(needsJudge({ min_length: 3 })).toBe(false);
    expect(needsJudge(undefined)).toBe(false);
  });
});

test("checks run in a fixed order and the first failure is reported", () => {
  const spec: AcceptanceSpec = {
    judge_score: { judge: "big", min: 0.9 },
    tool_call: true,
    valid_json: true,
    min_length: 100,
    no_refusal: true,
    finish_reason: ["stop"],
  };
  const refusal = "I can't help with that.";
  expect(checkAcceptance(answer(refusal, "max_tokens"), spec, 0).failedCheck).toBe("finish_reason");
  expect(checkAcceptance(answer(refusal), spec, 0).failedCheck).toBe("refusal");
  expect(checkAcceptance(answer("short"), spec, 0).failedCheck).toBe("min_length");
  expect(checkAcceptance(answer("x".repeat(100)), spec, 0).failedCheck).toBe("valid_json");
  const longJson = JSON.stringify({ text: "x".repeat(100) });
  expect(checkAcceptance(answer(longJson), spec, 0).failedCheck).toBe("tool_call");
  const withTool = answer([{ type: "text", text: longJson }, toolCall()]);
  expect(checkAcceptance(withTool, { ...spec, finish_reason: ["stop", "tool_use"] }, 0)).toEqual({
    accepted: false,
    reason: "judge score 0 below 0.9",
    failedCheck: "judge_score",
  });
});

describe("buildJudgeScoreRequest", () => {
  const original: CanonicalRequest = {
    model: "small-model",
    system: [{ text: "Answer in French." }],
    messages: [
      {
        role: "user",
        content: [
          { type: "text", text: "What is the capital of France?" },
          { type: "image", source: { kind: "url", url: "https://example.com/map.png" } },
        ],
      },
    ],
    tools: [{ name: "lookup", inputSchema: { type: "object" } }],
    toolChoice: { type: "auto" },
    maxTokens: 4000,
    temperature: 0.9,
    stream: true,
    user: "user-7",
    responseFormat: { type: "json" },
    thinking: { enabled: true, budgetTokens: 2048 },
    openAiOnly: { seed: 1 },
    forwardHeaders: { "anthropic-beta": "x" },
  };
  const request = buildJudgeScoreRequest(
    original,
    answer([{ type: "thinking", text: "secret" }, { type: "text", text: "Paris." }, toolCall()]),
    "judge-model",
  );

  test("is a small, deterministic, non-streamed call without the client's extras", () => {
    expect(request.model).toBe("judge-model");
    expect(request.stream).toBe(false);
    expect(request.temperature).toBe(0);
    expect(request.maxTokens).toBeLessThanOrEqual(256);
    expect(request.tools).toEqual([]);
    expect(request.toolChoice).toBeUndefined();
    expect(request.responseFormat).toBeUndefined();
    expect(request.thinking).toBeUndefined();
    expect(request.openAiOnly).toEqual({});
    expect(request.forwardHeaders).toEqual({});
    expect(request.user).toBe("user-7");
  });

  test("shows the conversation and the answer and asks for {score}", () => {
    expect(request.system[0]?.text).toContain('{"score"');
    expect(request.messages).toHaveLength(1);
    const prompt = request.messages[0]?.content[0];
    if (prompt?.type !== "text") throw new Error("expected a text prompt");
    expect(prompt.text).toContain("[system]\nAnswer in French.");
    expect(prompt.text).toContain("What is the capital of France?\n[image]");
    expect(prompt.text).toContain('<answer>\nParis.\n[tool call] get_weather({"city":"Paris"})');
    expect(prompt.text).not.toContain("secret");
  });

  test("keeps the end of a very long conversation", () => {
    const long: CanonicalRequest = {
      ...original,
      messages: [
        { role: "user", content: [{ type: "text", text: "old ".repeat(20_000) }] },
        { role: "assistant", content: [{ type: "text", text: "ok" }] },
        { role: "user", content: [{ type: "text", text: "the real question" }] },
      ],
    };
    const prompt = buildJudgeScoreRequest(long, answer("x"), "judge").messages[0]?.content[0];
    if (prompt?.type !== "text") throw new Error("expected a text prompt");
    expect(prompt.text.length).toBeLessThan(40_000);
    expect(prompt.text).toContain("earlier conversation omitted");
    expect(prompt.text).toContain("the real question");
  });
});

describe("parseJudgeScore", () => {
  test.each([
    ['{"score": 0.8}', 0.8],
    ['```json\n{"score": 0.65}\n```', 0.65],
    ['{"score": "0.9"}', 0.9],
    ['The answer is decent. {"score": 0.3} Final: {"score": 0.6}', 0.6],
    ["Score: 0.75", 0.75],
    ["score = 0.4", 0.4],
    ["Reasoning… score: 0.2. On reflection, score: 0.5", 0.5],
    ["Score: 8/10", 0.8],
    ["Score: 8 out of 10", 0.8],
    ["0.5", 0.5],
    [".5", 0.5],
    ["1", 1],
    ["0", 0],
    ["7", 0.7],
    ["10", 1],
    ["85", 0.85],
    ["85%", 0.85],
    ["9/10", 0.9],
    ['{"score": 7}', 0.7],
  ] as const)("%j → %p", (text, expected) => {
    expect(parseJudgeScore(answer(text))).toBeCloseTo(expected, 10);
  });

  test.each([
    "",
    "I cannot grade this answer.",
    "-1",
    "150",
    '{"score": -0.5}',
    '{"score": null}',
    "Score: 12/10",
    "The answer mentions 3 facts and 2 errors.",
    '{"rating": 0.9}',
  ])("%j → null", (text) => {
    expect(parseJudgeScore(answer(text))).toBeNull();
  });

  test("always in [0, 1] or null (property)", () => {
    const text = fc.oneof(
      fc.string(),
      fc.double().map((value) => `{"score": ${value}}`),
      fc.double().map((value) => `score: ${value}`),
      fc.tuple(fc.nat(200), fc.nat(200)).map(([a, b]) => `${a}/${b}`),
      fc.integer({ min: -200, max: 200 }).map((value) => `${value}%`),
      fc.jsonValue().map((value) => JSON.stringify({ score: value })),
    );
    fc.assert(
      fc.property(text, (input) => {
        const score = parseJudgeScore(answer(input));
        return score === null || (score >= 0 && score <= 1);
      }),
    );
  });
});
