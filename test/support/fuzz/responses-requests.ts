// Fuzzed requests for the Responses API (POST /openai/v1/responses and a stored response's
// endpoints): bodies that look like a Responses request but carry a wrong type at every level
// (input items and their content parts, tools, tool_choice, text.format, reasoning), unknown item
// types, huge and deep values, bad previous_response_id; ids and query parameters for the paths.
import fc from "fast-check";
import { oddValue, RawJson, usually } from "./json-values.ts";

const text = fc.oneof(fc.string({ maxLength: 40 }), fc.constant("What is the weather?"));
const schema = { type: "object", properties: { city: { type: "string" } }, required: ["city"] };

/** Response ids: gateway-made shapes (valid-looking or broken), upstream-looking, junk. */
export const responseIds = (known: () => string[]): fc.Arbitrary<string> =>
  fc.oneof(
    {
      arbitrary: fc.nat({ max: 1_000 }).map((index) => {
        const ids = known();
        return ids[index % ids.length] ?? "resp_none";
      }),
      weight: 3,
    },
    {
      arbitrary: fc.constantFrom(
        `resp_mlx${"0".repeat(32)}`,
        `resp_mlx${"f".repeat(32)}x`,
        `resp_mlx${"g".repeat(32)}`,
        "resp_mlx",
        "resp_",
        "resp_abc123",
        `msg_mlx${"a".repeat(32)}_0`,
        "resp_mlx%00",
        `resp_${"9".repeat(2_000)}`,
      ),
      weight: 3,
    },
    {
      arbitrary: fc.stringMatching(/^[a-z_]{0,8}[0-9a-f]{0,40}$/),
      weight: 1,
    },
  );

/** Query strings the stored-response endpoints read (and ones they do not). */
export const responseQueries = fc.oneof(
  { arbitrary: fc.constant(""), weight: 4 },
  {
    arbitrary: fc
      .record(
        {
          stream: fc.constantFrom("true", "false", "1", "yes", ""),
          starting_after: fc.constantFrom("0", "-1", "3", "1e9", "x", ""),
          include: fc.constantFrom(
            "reasoning.encrypted_content",
            "message.output_text.logprobs",
            "file_search_call.results",
            "x",
          ),
          "include[]": fc.constantFrom("reasoning.encrypted_content", "x"),
          include_obfuscation: fc.constantFrom("true", "false", "maybe"),
          limit: fc.constantFrom(
            "1",
            "0",
            "-1",
            "100",
            "101",
            "1.5",
            "abc",
            "99999999999999999999",
          ),
          order: fc.constantFrom("asc", "desc", "random", ""),
          after: fc.constantFrom("msg_x", `msg_mlx${"0".repeat(32)}_in1`, "", "%00"),
          before: fc.constantFrom("msg_x", ""),
          unknown: fc.string({ maxLength: 10 }),
        },
        { requiredKeys: [] },
      )
      .map((entries) => `?${new URLSearchParams(entries).toString()}`),
    weight: 4,
  },
);

const inputPart = fc.oneof(
  fc.record({ type: fc.constant("input_text"), text: usually(text) }),
  fc.record(
    {
      type: fc.constant("input_image"),
      image_url: usually(
        fc.constantFrom("data:image/png;base64,AAAA", "http://127.0.0.1:1/x.png", ""),
      ),
      file_id: usually(fc.constantFrom("file-abc", "")),
      detail: usually(fc.constantFrom("auto", "low", "high", "original", "ultra")),
    },
    { requiredKeys: ["type"] },
  ),
  fc.record(
    {
      type: fc.constant("input_file"),
      file_id: usually(fc.constantFrom("file-abc", "")),
      file_data: usually(fc.constantFrom("data:application/pdf;base64,AAAA", "!!")),
      file_url: usually(fc.constantFrom("http://127.0.0.1:1/x.pdf", "")),
      filename: usually(fc.string({ maxLength: 10 })),
    },
    { requiredKeys: ["type"] },
  ),
  fc.record({
    type: fc.constant("input_audio"),
    input_audio: usually(
      fc.record({ data: fc.constant("AAAA"), format: fc.constantFrom("wav", "x") }),
    ),
  }),
  fc.record({
    type: fc.constantFrom("output_text", "refusal"),
    text: usually(text),
    refusal: usually(text),
  }),
  fc.record({ type: fc.constantFrom("input_video", "", "INPUT_TEXT", "summary_text"), text }),
  oddValue,
);

const item = fc.oneof(
  {
    arbitrary: fc.record(
      {
        type: usually(fc.constant("message")),
        role: usually(fc.constantFrom("user", "assistant", "system", "developer", "tool", "robot")),
        content: usually(fc.oneof(text, fc.array(inputPart, { maxLength: 3 }))),
        id: usually(fc.constantFrom("msg_1", `msg_mlx${"0".repeat(32)}_in1`)),
        status: usually(fc.constantFrom("completed", "in_progress", "incomplete", "done")),
      },
      { requiredKeys: ["role", "content"] },
    ),
    weight: 5,
  },
  {
    arbitrary: fc.record(
      {
        type: fc.constant("function_call"),
        call_id: usually(fc.constantFrom("call_1", "")),
        name: usually(fc.constantFrom("get_weather", "")),
        arguments: usually(fc.constantFrom('{"city":"Paris"}', "{", "")),
      },
      { requiredKeys: ["type"] },
    ),
    weight: 2,
  },
  {
    arbitrary: fc.record(
      {
        type: fc.constant("function_call_output"),
        call_id: usually(fc.constantFrom("call_1", "call_missing", "")),
        output: usually(fc.oneof(text, fc.array(inputPart, { maxLength: 2 }))),
      },
      { requiredKeys: ["type"] },
    ),
    weight: 2,
  },
  {
    arbitrary: fc.record(
      {
        type: fc.constant("reasoning"),
        id: usually(
          fc.constantFrom("rs_1", `rs_mlx${"0".repeat(32)}_0`, `rs_mlx${"z".repeat(32)}_0`),
        ),
        summary: usually(
          fc.array(fc.record({ type: fc.constant("summary_text"), text }), { maxLength: 2 }),
        ),
        content: usually(
          fc.array(fc.record({ type: fc.constant("reasoning_text"), text }), { maxLength: 2 }),
        ),
        encrypted_content: usually(fc.constantFrom("gAAAA", "", "not-base64!!", "e".repeat(5_000))),
      },
      { requiredKeys: ["type"] },
    ),
    weight: 2,
  },
  {
    arbitrary: fc.record({
      type: fc.constant("item_reference"),
      id: usually(
        fc.constantFrom(
          `msg_mlx${"0".repeat(32)}_in1`,
          `msg_mlx${"0".repeat(32)}_99999`,
          "msg_x",
          "",
        ),
      ),
    }),
    weight: 2,
  },
  {
    // Types the gateway does not read: kept for OpenAI-family upstreams, refused by translators.
    arbitrary: fc.record({
      type: fc.constantFrom("web_search_call", "compaction", "computer_call", "mcp_call", "", "💥"),
      id: fc.string({ maxLength: 8 }),
      extra: oddValue,
    }),
    weight: 2,
  },
  { arbitrary: oddValue, weight: 2 },
);

const tool = fc.oneof(
  fc.record(
    {
      type: usually(fc.constant("function")),
      name: usually(fc.constantFrom("get_weather", "lookup", "", "x".repeat(300))),
      description: usually(text),
      parameters: usually(fc.constant(schema)),
      strict: usually(fc.boolean()),
    },
    { requiredKeys: ["type"] },
  ),
  fc.record({
    type: fc.constantFrom("web_search", "file_search", "code_interpreter", "custom", "mcp", ""),
    extra: oddValue,
  }),
  oddValue,
);

const format = fc.oneof(
  fc.constantFrom({ type: "text" }, { type: "json_object" }, { type: "yaml" }, {}),
  fc.record(
    {
      type: fc.constant("json_schema"),
      name: usually(fc.constantFrom("weather", "")),
      schema: usually(fc.constant(schema)),
      strict: usually(fc.boolean()),
    },
    { requiredKeys: ["type"] },
  ),
  oddValue,
);

/** Many input items, mostly valid: the parser must refuse at the first bad one or bound the work. */
const manyItems = fc
  .integer({ min: 2_000, max: 60_000 })
  .map(
    (count) => new RawJson(`[${new Array(count).fill('{"role":"user","content":"a"}').join(",")}]`),
  );

/** A Responses request body: plausible, with wrong values at every level. */
export function responsesBodies(models: fc.Arbitrary<string>): fc.Arbitrary<unknown> {
  return fc.record(
    {
      model: usually(models),
      input: fc.oneof(
        { arbitrary: text, weight: 3 },
        { arbitrary: fc.array(item, { minLength: 1, maxLength: 4 }), weight: 6 },
        { arbitrary: manyItems, weight: 1 },
        { arbitrary: oddValue, weight: 1 },
      ),
      instructions: usually(text),
      tools: usually(fc.array(tool, { maxLength: 3 })),
      tool_choice: usually(
        fc.constantFrom(
          "auto",
          "none",
          "required",
          "sometimes",
          { type: "function", name: "get_weather" },
          { type: "function" },
          {
            type: "allowed_tools",
            mode: "auto",
            tools: [{ type: "function", name: "get_weather" }],
          },
          { type: "allowed_tools", mode: "never", tools: "x" },
          { type: "web_search" },
        ),
      ),
      parallel_tool_calls: usually(fc.boolean()),
      text: usually(
        fc.record(
          { format, verbosity: usually(fc.constantFrom("low", "medium", "high", "loud")) },
          { requiredKeys: [] },
        ),
      ),
      reasoning: usually(
        fc.record(
          {
            effort: usually(fc.constantFrom("minimal", "low", "medium", "high", "max")),
            summary: usually(fc.constantFrom("auto", "concise", "detailed", "long")),
            generate_summary: usually(fc.constantFrom("auto", "x")),
          },
          { requiredKeys: [] },
        ),
      ),
      max_output_tokens: usually(fc.integer({ min: -1, max: 400 })),
      max_tool_calls: usually(fc.integer({ min: -1, max: 5 })),
      temperature: usually(fc.double({ min: -1, max: 3, noNaN: true })),
      top_p: usually(fc.double({ min: 0, max: 1, noNaN: true })),
      top_logprobs: usually(fc.integer({ min: -1, max: 25 })),
      stream: usually(fc.boolean()),
      stream_options: usually(fc.record({ include_obfuscation: usually(fc.boolean()) })),
      store: usually(fc.boolean()),
      background: usually(fc.boolean()),
      previous_response_id: usually(
        fc.constantFrom(
          `resp_mlx${"0".repeat(32)}`,
          `resp_mlx${"q".repeat(32)}`,
          "resp_abc",
          "",
          "resp_mlx",
          `msg_mlx${"0".repeat(32)}_1`,
        ),
      ),
      include: usually(
        fc.array(
          fc.constantFrom("reasoning.encrypted_content", "message.output_text.logprobs", "x"),
          {
            maxLength: 3,
          },
        ),
      ),
      metadata: usually(
        fc.dictionary(fc.string({ maxLength: 70 }), fc.string({ maxLength: 20 }), { maxKeys: 18 }),
      ),
      truncation: usually(fc.constantFrom("auto", "disabled", "middle")),
      user: usually(fc.string({ maxLength: 20 })),
      service_tier: usually(fc.constantFrom("auto", "flex", "priority", "x")),
      prompt_cache_key: usually(fc.string({ maxLength: 20 })),
      conversation: oddValue,
      [`unknown_${"field"}`]: oddValue,
    },
    { requiredKeys: [] },
  );
}
