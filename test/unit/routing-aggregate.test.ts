// Ensemble aggregation: validity, first_valid, weighted vote (normalization, tool calls, ties),
// weighted average (number extraction, formatting, fallback), the judge's request and choice, and
// usage summed over every member that answered.
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import type { AssistantContent } from "#shared/canonical/content.ts";
import type { CanonicalRequest } from "#shared/canonical/request.ts";
import type { CanonicalResponse, StopReason } from "#shared/canonical/response.ts";
import { sumUsage } from "../../dataplane/routing/strategies/composed-answers.ts";
import {
  buildEnsembleJudgeRequest,
  extractNumber,
  firstValid,
  formatMean,
  isValidAnswer,
  type MemberResult,
  parseEnsembleJudgeChoice,
  voteKey,
  weightedAverage,
  weightedVote,
} from "../../dataplane/routing/strategies/ensemble/aggregate.ts";

let responseCount = 0;

function answer(
  content: string | AssistantContent[],
  stopReason: StopReason = "end_turn",
  outputTokens = 5,
): CanonicalResponse {
  return {
    id: `msg_${++responseCount}`,
    model: "model",
    content: typeof content === "string" ? [{ type: "text", text: content }] : content,
    stopReason,
    usage: {
      inputTokens: 10,
      outputTokens,
      cacheReadTokens: 2,
      cacheWriteTokens: 1,
      reasoningTokens: 0,
    },
  };
}

/** Members in index order; `order` gives each one's finishing position (default: index). */
function members(
  specs: Array<{
    text?: string | AssistantContent[] | null;
    weight?: number;
    order?: number;
    stop?: StopReason;
  }>,
): MemberResult[] {
  return specs.map((spec, index) => {
    const result: MemberResult = {
      index,
      label: `model-${index + 1}`,
      weight: spec.weight ?? 1,
      response: spec.text === null || spec.text === undefined ? null : answer(spec.text, spec.stop),
      latencyMs: 100 * (index + 1),
      finishedOrder: spec.order ?? index,
    };
    if (result.response === null) result.error = "timeout";
    return result;
  });
}

const toolCall = (name: string, input: unknown): AssistantContent => ({
  type: "tool-use",
  id: `call_${name}`,
  name,
  input,
});

const textOf = (response: CanonicalResponse | undefined) =>
  response?.content.map((block) => (block.type === "text" ? block.text : "")).join("");

describe("isValidAnswer", () => {
  test("a text or a tool call is valid, whatever else", () => {
    expect(isValidAnswer(answer("42"))).toBe(true);
    expect(isValidAnswer(answer("cut sh", "max_tokens"))).toBe(true);
    expect(isValidAnswer(answer([toolCall("f", {})], "tool_use"))).toBe(true);
  });

  test.each(["error", "content_filter", "refusal"] as const)("stop reason %s is not", (stop) => {
    expect(isValidAnswer(answer("text", stop))).toBe(false);
  });

  test("an empty answer or a refusal in the text is not", () => {
    expect(isValidAnswer(answer(" \n "))).toBe(false);
    expect(isValidAnswer(answer([{ type: "thinking", text: "hmm" }]))).toBe(false);
    expect(isValidAnswer(answer("I'm sorry, but I can't help with that."))).toBe(false);
  });
});

describe("sumUsage", () => {
  test("adds every field", () => {
    expect(sumUsage([answer("a", "end_turn", 5), answer("b", "end_turn", 7)])).toEqual({
      inputTokens: 20,
      outputTokens: 12,
      cacheReadTokens: 4,
      cacheWriteTokens: 2,
      reasoningTokens: 0,
    });
    expect(sumUsage([])).toEqual({
      inputTokens: 0,
      outputTokens: 0,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
      reasoningTokens: 0,
    });
  });
});

describe("firstValid", () => {
  test("takes the earliest finisher with a valid answer, not the lowest index", () => {
    const results = members([
      { text: "slow", order: 3 },
      { text: "I can't help with that.", order: 0 },
      { text: null, order: 1 },
      { text: "fast", order: 2 },
    ]);
    const aggregated = firstValid(results);
    expect(aggregated?.winnerIndex).toBe(3);
    expect(textOf(aggregated?.response)).toBe("fast");
    expect(aggregated?.reason).toBe(
      "first valid answer: member 4 (model-4) in 400 ms; 2 earlier invalid",
    );
    expect(aggregated?.scores).toEqual([
      { index: 0, score: 0 },
      { index: 3, score: 1 },
    ]);
  });

  test("bills every member that answered, the refusal included", () => {
    const results = members([{ text: "I can't help with that." }, { text: "ok" }, { text: null }]);
    expect(firstValid(results)?.response.usage.inputTokens).toBe(20);
  });

  test("null when no answer is valid", () => {
    expect(firstValid(members([{ text: null }, { text: "", stop: "error" }]))).toBeNull();
    expect(firstValid([])).toBeNull();
  });
});

describe("weightedVote", () => {
  test("groups answers by normalized text and sums their weights", () => {
    const results = members([
      { text: "Paris.", weight: 0.3 },
      { text: "Lyon", weight: 0.5 },
      { text: "  paris ", weight: 0.4 },
    ]);
    const aggregated = weightedVote(results);
    expect(aggregated?.winnerIndex).toBe(0);
    expect(textOf(aggregated?.response)).toBe("Paris.");
    expect(aggregated?.reason).toBe(
      "weighted vote: 2 of 3 valid answers (weight 0.7 of 1.2) agreed",
    );
    expect(aggregated?.scores).toEqual([
      { index: 0, score: 0.7 },
      { index: 1, score: 0.5 },
      { index: 2, score: 0.7 },
    ]);
    expect(aggregated?.response.usage.inputTokens).toBe(30);
  });

  test("the response is the winning group's earliest finisher", () => {
    const results = members([
      { text: "PARIS!", order: 2 },
      { text: "Paris", order: 1 },
      { text: "Lyon", order: 0 },
    ]);
    expect(weightedVote(results)?.winnerIndex).toBe(1);
  });

  test("a heavy single member beats a light majority", () => {
    const results = members([
      { text: "A", weight: 0.2 },
      { text: "a", weight: 0.2 },
      { text: "B", weight: 0.5 },
    ]);
    const aggregated = weightedVote(results);
    expect(aggregated?.winnerIndex).toBe(2);
    expect(aggregated?.reason).toBe(
      "weighted vote: no two answers agreed; member 3 (model-3) has the most (weight 0.5 of 0.9)",
    );
  });

  test("a tie goes to the group with the earliest finisher", () => {
    const results = members([
      { text: "yes", order: 1 },
      { text: "no", order: 0 },
    ]);
    const aggregated = weightedVote(results);
    expect(aggregated?.winnerIndex).toBe(1);
    expect(aggregated?.reason).toEndWith("; tie broken by earliest finisher");
  });

  test("weights equal up to rounding tie (0.1 + 0.2 against 0.3)", () => {
    const results = members([
      { text: "B", weight: 0.3, order: 2 },
      { text: "A", weight: 0.1, order: 0 },
      { text: "a", weight: 0.2, order: 1 },
    ]);
    expect(weightedVote(results)?.winnerIndex).toBe(1);
  });

  test("tool calls vote by name and arguments, key order and call order ignored", () => {
    const results = members([
      { text: [toolCall("weather", { city: "Paris", unit: "c" })], weight: 1 },
      {
        text: [
          { type: "text", text: "Let me check." },
          toolCall("weather", { unit: "c", city: "Paris" }),
        ],
        weight: 1,
      },
      { text: [toolCall("weather", { city: "Lyon", unit: "c" })], weight: 1.5 },
    ]);
    expect(weightedVote(results)?.winnerIndex).toBe(0);
    const a = answer([toolCall("f", { x: 1 }), toolCall("g", { y: [1, { b: 2, a: 1 }] })]);
    const b = answer([toolCall("g", { y: [1, { a: 1, b: 2 }] }), toolCall("f", { x: 1 })]);
    expect(voteKey(a)).toBe(voteKey(b));
    expect(voteKey(answer([toolCall("f", { x: 1 })]))).not.toBe(
      voteKey(answer([toolCall("f", { x: 2 })])),
    );
  });

  test("invalid answers do not vote", () => {
    const results = members([
      { text: "I'm sorry, but I can't help with that." },
      { text: "I'm sorry, but I can't help with that." },
      { text: "42" },
    ]);
    const aggregated = weightedVote(results);
    expect(aggregated?.winnerIndex).toBe(2);
    expect(aggregated?.reason).toBe("weighted vote: only member 3 (model-3) gave a valid answer");
    expect(weightedVote(members([{ text: null }]))).toBeNull();
  });

  test("the winner's group is the heaviest (property)", () => {
    const member = fc.record({
      text: fc.option(fc.constantFrom("a", "A.", "b", " b!", "c", "", "I can't help with that."), {
        nil: null,
      }),
      weight: fc.double({ min: 0.01, max: 10, noNaN: true }),
    });
    fc.assert(
      fc.property(fc.array(member, { maxLength: 8 }), (specs) => {
        const results = members(specs);
        const aggregated = weightedVote(results);
        const valid = results.filter((item) => item.response && isValidAnswer(item.response));
        if (valid.length === 0) return aggregated === null;
        if (!aggregated) return false;
        const weightOf = new Map<string, number>();
        for (const item of valid) {
          const key = voteKey(item.response as CanonicalResponse);
          weightOf.set(key, (weightOf.get(key) ?? 0) + item.weight);
        }
        const winnerKey = voteKey(aggregated.response);
        const max = Math.max(...weightOf.values());
        const answeredTokens = results.filter((item) => item.response).length * 10;
        return (
          (weightOf.get(winnerKey) ?? 0) >= max - 1e-9 * Math.max(1, max) &&
          aggregated.response.usage.inputTokens === answeredTokens
        );
      }),
    );
  });
});

describe("extractNumber", () => {
  const read = (text: string) => extractNumber(answer(text));

  test.each([
    ["42", 42],
    ["  -7 ", -7],
    ["\u22123", -3],
    ["3.14", 3.14],
    [".5", 0.5],
    ["The answer is 42.", 42],
    ["**42** (that is, 42 in total)", 42],
    ["1,234", 1234],
    ["About 1,234,567 people.", 1234567],
    ["1.5e3", 1500],
    ["Roughly 3.5 million", 3_500_000],
    ["42%", 42],
    ["$19.99", 19.99],
    ["It is 0", 0],
  ] as const)("%j → %p", (text, expected) => {
    expect(read(text)).toBe(expected);
  });

  test.each(["no number here", "between 3 and 5", "2020-2021", "version 1.2.3", "5km", "3,4", ""])(
    "%j → null",
    (text) => {
      expect(read(text)).toBeNull();
    },
  );

  test("an answer with a tool call gives no number", () => {
    expect(extractNumber(answer([{ type: "text", text: "42" }, toolCall("f", {})]))).toBeNull();
  });
});

describe("formatMean", () => {
  test.each([
    [7.5, true, [7, 8], "8"],
    [-2.5, true, [-2, -3], "-3"],
    [-0.2, true, [0, -1], "0"],
    [10, true, [10], "10"],
    [0.15000000000000002, false, [0.1, 0.2], "0.15"],
    [1 / 3, false, [0.5, 0.25], "0.3333"],
    [2.5, false, [2, 3.0001], "2.5"],
    [1 / 3, false, [1e-7], "0.333333"],
    [-0.00001, false, [0.5], "0"],
  ] as const)("%p (whole numbers %p, inputs %p) → %s", (mean, whole, inputs, expected) => {
    expect(formatMean(mean, whole, [...inputs])).toBe(expected);
  });
});

describe("weightedAverage", () => {
  test("weighted mean of the numeric answers, text replaced by the number", () => {
    const results = members([
      { text: "The answer is 10.", weight: 1 },
      { text: "20", weight: 3 },
      { text: "I think it's 12.5", weight: 1 },
      { text: "no idea", weight: 5 },
      { text: "between 1 and 100", weight: 5 },
      { text: null, weight: 5 },
    ]);
    const aggregated = weightedAverage(results);
    // (10 + 60 + 12.5) / 5 = 16.5: 20 is closest.
    expect(textOf(aggregated?.response)).toBe("16.5");
    expect(aggregated?.response.content).toHaveLength(1);
    expect(aggregated?.winnerIndex).toBe(1);
    expect(aggregated?.reason).toBe(
      "weighted average of 3 numeric answers: 16.5; 2 non-numeric answers left out",
    );
    expect(aggregated?.scores).toEqual([
      { index: 0, score: 10 },
      { index: 1, score: 20 },
      { index: 2, score: 12.5 },
    ]);
    expect(aggregated?.response.usage.inputTokens).toBe(50);
  });

  test("whole-number answers give a whole number, and the reason says it was rounded", () => {
    const results = members([{ text: "7" }, { text: "8" }]);
    const aggregated = weightedAverage(results);
    expect(textOf(aggregated?.response)).toBe("8");
    expect(aggregated?.reason).toBe(
      "weighted average of 2 numeric answers: 8 (rounded to a whole number)",
    );
    expect(aggregated?.winnerIndex).toBe(0);
  });

  test("keeps the winner's id, model and stop reason; drops thinking", () => {
    const results = members([
      {
        text: [
          { type: "thinking", text: "hmm" },
          { type: "text", text: "41" },
        ],
        stop: "stop_sequence",
      },
    ]);
    const aggregated = weightedAverage(results);
    const winner = results[0]?.response;
    expect(aggregated?.response.id).toBe(winner?.id as string);
    expect(aggregated?.response.stopReason).toBe("stop_sequence");
    expect(aggregated?.response.content).toEqual([{ type: "text", text: "41" }]);
  });

  test("no numeric answer: falls back to the weighted vote and says so", () => {
    const results = members([{ text: "Paris" }, { text: "paris." }, { text: "Lyon" }]);
    const aggregated = weightedAverage(results);
    expect(aggregated?.winnerIndex).toBe(0);
    expect(aggregated?.reason).toBe(
      "weighted average: no numeric answer; weighted vote: 2 of 3 valid answers (weight 2 of 3) agreed",
    );
    expect(aggregated?.response.usage.inputTokens).toBe(30);
    expect(weightedAverage(members([{ text: null }]))).toBeNull();
  });
});

describe("ensemble judge", () => {
  const original: CanonicalRequest = {
    model: "@ensemble",
    system: [],
    messages: [{ role: "user", content: [{ type: "text", text: "Name a prime number." }] }],
    tools: [],
    stream: true,
    openAiOnly: {},
    forwardHeaders: {},
  };

  test("numbers the candidates 1..n and asks for {best}", () => {
    const request = buildEnsembleJudgeRequest(
      original,
      [
        { index: 2, response: answer("7") },
        { index: 0, response: answer("9") },
      ],
      "judge-model",
    );
    expect(request.model).toBe("judge-model");
    expect(request.stream).toBe(false);
    expect(request.temperature).toBe(0);
    expect(request.system[0]?.text).toContain('{"best"');
    const prompt = request.messages[0]?.content[0];
    if (prompt?.type !== "text") throw new Error("expected a text prompt");
    expect(prompt.text).toContain("Name a prime number.");
    expect(prompt.text).toContain(
      '<answer number="1">\n7\n</answer>\n<answer number="2">\n9\n</answer>',
    );
    expect(prompt.text).toContain("1 to 2");
  });

  test.each([
    ['{"best": 2}', 0],
    ['```json\n{"best": 1}\n```', 2],
    ['{"best": "2"}', 0],
    ['{"best": "Answer 1"}', 2],
    ["Answer 1 is more precise. best: 2", 0],
    ["2", 0],
    ["Answer 1.", 2],
    ["#2", 0],
  ] as const)("%j → member %p", (text, expected) => {
    expect(parseEnsembleJudgeChoice(answer(text), [2, 0])).toBe(expected);
  });

  test.each(['{"best": 3}', '{"best": 0}', '{"best": 1.5}', "both are fine", "", '{"best": null}'])(
    "%j → null",
    (text) => {
      expect(parseEnsembleJudgeChoice(answer(text), [2, 0])).toBeNull();
    },
  );
});
