import { describe, expect, test } from "bun:test";
import {
  compileRules,
  RuleCompileError,
  type RuleSpec,
} from "../../dataplane/routing/strategies/custom-rules/compile.ts";
import type { RuleInput } from "../../dataplane/routing/strategies/custom-rules/environment.ts";
import { evaluateRules } from "../../dataplane/routing/strategies/custom-rules/evaluate.ts";

// Tuesday 2026-03-03 23:15 UTC
const LATE_TUESDAY = Date.UTC(2026, 2, 3, 23, 15);

function input(overrides: Partial<RuleInput> = {}): RuleInput {
  return {
    tags: {},
    user: "",
    request: {
      input_tokens: 100,
      has_tools: false,
      has_images: false,
      stream: false,
      max_tokens: null,
    },
    budget: { used_pct: 0.1 },
    nowMs: Date.UTC(2026, 2, 3, 12, 0),
    ...overrides,
  };
}

function request(overrides: Partial<RuleInput["request"]>): RuleInput["request"] {
  return { ...input().request, ...overrides };
}

/** Rules as the config writes them; `then` is the custom_rules JSON key (DESIGN §6). */
function when<T>(condition: string, target: T): RuleSpec<T> {
  // biome-ignore lint/suspicious/noThenProperty: the config's own key, never awaited
  return { if: condition, then: target };
}

function decide(condition: string, facts: RuleInput): boolean {
  const rules = compileRules([when(condition, "yes"), { else: "no" }]);
  const decision = evaluateRules(rules, facts);
  expect(decision.errors).toEqual([]);
  return decision.target === "yes";
}

describe("custom_rules: variables", () => {
  test("tags, membership and a missing tag", () => {
    expect(decide('tags.team == "ml"', input({ tags: { team: "ml" } }))).toBe(true);
    expect(decide('tags.team == "ml"', input({ tags: { team: "web" } }))).toBe(false);
    expect(decide('"beta" in tags', input({ tags: { beta: "1" } }))).toBe(true);
    expect(decide('"beta" in tags', input())).toBe(false);
    expect(decide('has(tags.team) && tags.team == "ml"', input())).toBe(false);
    expect(decide('tags.?team.orValue("") == "ml"', input())).toBe(false);
    expect(decide('"toString" in tags', input())).toBe(false);
  });

  test("user", () => {
    expect(decide('user == ""', input())).toBe(true);
    expect(decide('user.startsWith("cust_")', input({ user: "cust_42" }))).toBe(true);
  });

  test("request", () => {
    expect(
      decide("request.input_tokens > 8000", input({ request: request({ input_tokens: 9000 }) })),
    ).toBe(true);
    expect(decide("request.input_tokens > 8000", input())).toBe(false);
    expect(decide("request.has_images", input({ request: request({ has_images: true }) }))).toBe(
      true,
    );
    expect(
      decide("request.has_tools || request.stream", input({ request: request({ stream: true }) })),
    ).toBe(true);
    expect(decide("request.max_tokens == 0", input())).toBe(true);
    expect(
      decide("request.max_tokens >= 4096", input({ request: request({ max_tokens: 4096 }) })),
    ).toBe(true);
  });

  test("budget", () => {
    expect(decide("budget.used_pct > 0.8", input({ budget: { used_pct: 0.85 } }))).toBe(true);
    expect(decide("budget.used_pct > 0.8", input())).toBe(false);
    expect(decide("budget.used_pct >= 1", input({ budget: { used_pct: 1 } }))).toBe(true);
  });

  test("time is UTC: hour, minute, weekday and the instant", () => {
    const late = input({ nowMs: LATE_TUESDAY });
    expect(decide("time.hour >= 22", late)).toBe(true);
    expect(decide("time.hour >= 22", input())).toBe(false);
    expect(decide("time.minute == 15", late)).toBe(true);
    expect(decide("time.weekday == 2", late)).toBe(true);
    expect(decide("time.weekday == time.now.getDayOfWeek()", late)).toBe(true);
    expect(decide('time.now > timestamp("2026-03-03T23:00:00Z")', late)).toBe(true);
  });
});

describe("custom_rules: order, else and errors", () => {
  const specs: RuleSpec<string>[] = [
    when("request.has_images", "gpt-4o"),
    when('tags.team == "ml"', "@ml-config"),
    when("budget.used_pct > 0.8", "gpt-4o-mini"),
    { else: "claude-haiku-4-5" },
  ];
  const rules = compileRules(specs);

  test("the first matching rule wins", () => {
    const decision = evaluateRules(
      rules,
      input({ request: request({ has_images: true }), budget: { used_pct: 0.9 } }),
    );
    expect(decision).toEqual({ target: "gpt-4o", ruleIndex: 0, matched: "rule", errors: [] });
    expect(evaluateRules(rules, input({ budget: { used_pct: 0.9 } }))).toMatchObject({
      target: "gpt-4o-mini",
      ruleIndex: 2,
    });
  });

  test("nothing matches: the else, or none without one", () => {
    const withoutTeam = evaluateRules(rules, input({ tags: { team: "web" } }));
    expect(withoutTeam).toEqual({
      target: "claude-haiku-4-5",
      ruleIndex: 3,
      matched: "else",
      errors: [],
    });
    const noElse = compileRules([when("request.stream", "x")]);
    expect(evaluateRules(noElse, input())).toEqual({
      target: null,
      ruleIndex: -1,
      matched: "none",
      errors: [],
    });
  });

  test("an evaluation error is not a match, is reported, and never throws", () => {
    // no `team` tag: `tags.team` fails; the next rules still run
    const decision = evaluateRules(rules, input({ budget: { used_pct: 0.95 } }));
    expect(decision.target).toBe("gpt-4o-mini");
    expect(decision.ruleIndex).toBe(2);
    expect(decision.errors).toEqual([{ ruleIndex: 1, message: expect.stringContaining("team") }]);
    expect(decision.errors[0]?.message).not.toContain("\n");
  });

  test("a dyn condition that is not a bool is reported", () => {
    const dynamic = compileRules([
      when('dyn(tags.team) == "x" ? true : dyn(1)', "a"),
      { else: "b" },
    ]);
    const decision = evaluateRules(dynamic, input({ tags: { team: "y" } }));
    expect(decision).toMatchObject({ target: "b", matched: "else" });
    expect(decision.errors).toHaveLength(1);
  });

  test("compile errors name the rule", () => {
    const cases: Array<[RuleSpec<string>[], number, string]> = [
      [[when("request.stream", "a"), when("request.input_tokens >", "b")], 1, ""],
      [[when("request.nope", "a")], 0, "nope"],
      [[when("unknown_variable == 1", "a")], 0, "unknown_variable"],
      [[when("user + 1", "a")], 0, ""],
      [[when("request.input_tokens", "a")], 0, "must be a bool"],
      [[{ else: "a" }, when("request.stream", "b")], 0, "last"],
    ];
    for (const [specs, index, fragment] of cases) {
      let caught: unknown;
      try {
        compileRules(specs);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(RuleCompileError);
      const error = caught as RuleCompileError;
      expect(error.ruleIndex).toBe(index);
      expect(error.message).toStartWith(`rules[${index}]: `);
      expect(error.reason).toContain(fragment);
    }
  });
});
