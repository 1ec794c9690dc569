// The Responses surface's request side: field-level 400s, the translation of input items, tools,
// formats and reasoning into the canonical request, what a translated request refuses or drops by
// name, and (fast-check) that no body makes it fail other than with invalid_request.
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { GatewayError } from "#shared/errors/gateway-error.ts";
import { checkResponsesRequest } from "../../dataplane/surfaces/responses/parse-request.ts";
import {
  openReasoning,
  sealReasoning,
} from "../../dataplane/surfaces/responses/reasoning-envelope.ts";
import { translateRequest } from "../../dataplane/surfaces/responses/translate-request.ts";

const translate = (body: Record<string, unknown>) =>
  translateRequest(checkResponsesRequest(body), body);

function refusal(body: Record<string, unknown>): GatewayError {
  try {
    checkResponsesRequest(body);
  } catch (error) {
    if (error instanceof GatewayError) return error;
    throw error;
  }
  throw new Error("accepted");
}

describe("validation: a 400 naming the field", () => {
  test.each([
    [{ input: "hi" }, "model", "is required"],
    [{ model: "m", input: 3 }, "input", "expected"],
    [{ model: "m", input: [{ role: "robot", content: "x" }] }, "input[0].role", "expected"],
    [
      { model: "m", input: [{ role: "user", content: [{ type: "input_text" }] }] },
      "input[0].content[0].text",
      "is required",
    ],
    [
      { model: "m", input: [{ type: "function_call", call_id: "c", name: "f" }] },
      "input[0].arguments",
      "is required",
    ],
    [
      { model: "m", input: [{ type: "function_call_output", output: "x" }] },
      "input[0].call_id",
      "is required",
    ],
    [{ model: "m", input: [{ type: "reasoning", summary: "x" }] }, "input[0].summary", "expected"],
    [{ model: "m", input: [{ type: 4 }] }, "input[0].type", "expected"],
    [{ model: "m", input: "x", tools: [{ type: "function" }] }, "tools[0].name", "is required"],
    [{ model: "m", input: "x", tools: [{ name: "f" }] }, "tools[0].type", "is required"],
    [
      { model: "m", input: "x", tool_choice: { type: "function" } },
      "tool_choice.name",
      "is required",
    ],
    [
      { model: "m", input: "x", text: { format: { type: "json_schema", name: "n" } } },
      "text.format.schema",
      "is required",
    ],
    [{ model: "m", input: "x", temperature: 3 }, "temperature", "value"],
    [{ model: "m", input: "x", max_output_tokens: 0 }, "max_output_tokens", "at least 1"],
    [{ model: "m", input: "x", metadata: { a: 1 } }, "metadata.a", "expected"],
    [{ model: "m", input: "x", store: "yes" }, "store", "expected"],
    [{ model: "m", input: "x", previous_response_id: "" }, "previous_response_id", ""],
  ])("%j → %s", (body, param, problem) => {
    const error = refusal(body as Record<string, unknown>);
    expect(error.code).toBe("invalid_request");
    expect(error.details.param).toBe(param);
    expect(error.message.startsWith(`${param}: `)).toBe(true);
    expect(error.message).toContain(problem);
  });

  test("items of types the gateway does not read, and unknown fields, are accepted as sent", () => {
    const body = {
      model: "m",
      input: [{ type: "web_search_call", id: "ws_1", status: "completed", action: {} }],
      tools: [{ type: "web_search", search_context_size: "low" }],
      future_field: { anything: true },
    };
    expect(checkResponsesRequest(body).items).toEqual([body.input[0] as never]);
  });
});

describe("translation to the canonical request", () => {
  test("a string input is one user message; instructions are the system prompt", () => {
    const { canonical, warnings, blockers } = translate({
      model: "@x",
      input: "Hello",
      instructions: "Be brief",
      max_output_tokens: 40,
      temperature: 0.2,
      top_p: 0.9,
      user: "u-1",
      stream: true,
    });
    expect(canonical).toMatchObject({
      model: "@x",
      system: [{ text: "Be brief" }],
      messages: [{ role: "user", content: [{ type: "text", text: "Hello" }] }],
      maxTokens: 40,
      temperature: 0.2,
      topP: 0.9,
      user: "u-1",
      stream: true,
    });
    expect(warnings).toEqual([]);
    expect(blockers).toEqual([]);
  });

  test("images and files by URL, data or id; developer messages join the system prompt", () => {
    const { canonical } = translate({
      model: "m",
      input: [
        { role: "developer", content: "Rules" },
        {
          role: "user",
          content: [
            { type: "input_text", text: "Look" },
            { type: "input_image", image_url: "https://x.test/a.png", detail: "low" },
            { type: "input_image", image_url: "data:image/png;base64,AAAA" },
            { type: "input_image", file_id: "file_1" },
            { type: "input_file", file_url: "https://x.test/a.pdf" },
            {
              type: "input_file",
              file_data: "data:application/pdf;base64,JVBE",
              filename: "a.pdf",
            },
            { type: "input_file", file_id: "file_2" },
          ],
        },
      ],
    });
    expect(canonical.system).toEqual([{ text: "Rules" }]);
    expect(canonical.messages[0]?.content).toEqual([
      { type: "text", text: "Look" },
      { type: "image", source: { kind: "url", url: "https://x.test/a.png" }, detail: "low" },
      { type: "image", source: { kind: "base64", mediaType: "image/png", data: "AAAA" } },
      { type: "image", source: { kind: "file", fileId: "file_1" } },
      { type: "document", source: { kind: "url", url: "https://x.test/a.pdf" } },
      {
        type: "document",
        source: { kind: "base64", mediaType: "application/pdf", data: "JVBE" },
        title: "a.pdf",
      },
      { type: "document", source: { kind: "file", fileId: "file_2" } },
    ]);
  });

  test("a turn of reasoning, text and calls is one assistant message; outputs are tool results", () => {
    const signature = sealReasoning({
      type: "thinking",
      text: "t",
      signature: "sig",
      origin: "claude",
    });
    const { canonical } = translate({
      model: "m",
      input: [
        { role: "user", content: "Weather?" },
        {
          type: "reasoning",
          id: "rs_1",
          summary: [{ type: "summary_text", text: "think" }],
          encrypted_content: signature,
        },
        {
          type: "message",
          role: "assistant",
          content: [{ type: "output_text", text: "Checking" }],
        },
        { type: "function_call", call_id: "c1", name: "weather", arguments: '{"city":"Paris"}' },
        { type: "function_call", call_id: "c2", name: "weather", arguments: "not json" },
        { type: "function_call_output", call_id: "c1", output: "sunny" },
        {
          type: "function_call_output",
          call_id: "c2",
          output: [{ type: "input_text", text: "rain" }],
        },
        { role: "user", content: "Thanks" },
      ],
    });
    expect(canonical.messages).toEqual([
      { role: "user", content: [{ type: "text", text: "Weather?" }] },
      {
        role: "assistant",
        content: [
          { type: "thinking", text: "think", signature: "sig", origin: "claude" },
          { type: "text", text: "Checking" },
          { type: "tool-use", id: "c1", name: "weather", input: { city: "Paris" } },
          { type: "tool-use", id: "c2", name: "weather", input: "not json" },
        ],
      },
      {
        role: "user",
        content: [
          {
            type: "tool-result",
            toolUseId: "c1",
            toolName: "weather",
            content: [{ type: "text", text: "sunny" }],
          },
          {
            type: "tool-result",
            toolUseId: "c2",
            toolName: "weather",
            content: [{ type: "text", text: "rain" }],
          },
          { type: "text", text: "Thanks" },
        ],
      },
    ]);
  });

  test("encrypted reasoning: the gateway's envelope names its maker, anything else is OpenAI's", () => {
    expect(openReasoning("gAAAAABpPDIU")).toEqual({
      value: "gAAAAABpPDIU",
      redacted: false,
      origin: "openai",
    });
    const gemini = sealReasoning({
      type: "thinking",
      text: "",
      signature: "Cq0B",
      origin: "gemini",
    });
    expect(openReasoning(gemini as string)).toEqual({
      value: "Cq0B",
      redacted: false,
      origin: "gemini",
    });
    const redacted = sealReasoning({ type: "redacted-thinking", data: "EmwK", origin: "claude" });
    expect(openReasoning(redacted as string)).toEqual({
      value: "EmwK",
      redacted: true,
      origin: "claude",
    });
    const { canonical } = translate({
      model: "m",
      input: [
        { role: "user", content: "q" },
        { type: "reasoning", summary: [], encrypted_content: redacted },
      ],
    });
    expect(canonical.messages[1]?.content).toEqual([
      { type: "redacted-thinking", data: "EmwK", origin: "claude" },
    ]);
  });

  test("function tools, tool_choice, parallel_tool_calls, text.format, reasoning effort", () => {
    const parameters = { type: "object", properties: { city: { type: "string" } } };
    const { canonical } = translate({
      model: "m",
      input: "x",
      tools: [
        { type: "function", name: "weather", description: "d", parameters, strict: true },
        { type: "function", name: "time" },
      ],
      tool_choice: { type: "function", name: "weather" },
      text: { format: { type: "json_schema", name: "out", schema: parameters, strict: true } },
      reasoning: { effort: "low", summary: "auto" },
    });
    expect(canonical.tools).toEqual([
      { name: "weather", description: "d", inputSchema: parameters, strict: true },
      { name: "time", inputSchema: { type: "object", properties: {} } },
    ]);
    expect(canonical.toolChoice).toEqual({ type: "tool", name: "weather" });
    expect(canonical.responseFormat).toEqual({
      type: "json-schema",
      name: "out",
      schema: parameters,
      strict: true,
    });
    expect(canonical.thinking).toEqual({ enabled: true, effort: "low" });
    const parallel = translate({
      model: "m",
      input: "x",
      tool_choice: "required",
      parallel_tool_calls: false,
    });
    expect(parallel.canonical.toolChoice).toEqual({ type: "required", parallel: false });
    expect(
      translate({ model: "m", input: "x", reasoning: { effort: "none" } }).canonical.thinking,
    ).toEqual({ enabled: false });
    expect(
      translate({ model: "m", input: "x", reasoning: { effort: "xhigh" } }).canonical.thinking,
    ).toEqual({ enabled: true, effort: "high" });
    expect(
      translate({ model: "m", input: "x", text: { format: { type: "json_object" } } }).canonical
        .responseFormat,
    ).toEqual({ type: "json" });
  });

  test("allowed_tools offers only the allowed function tools", () => {
    const { canonical } = translate({
      model: "m",
      input: "x",
      tools: [
        { type: "function", name: "a" },
        { type: "function", name: "b" },
      ],
      tool_choice: {
        type: "allowed_tools",
        mode: "required",
        tools: [{ type: "function", name: "b" }],
      },
    });
    expect(canonical.tools.map((tool) => tool.name)).toEqual(["b"]);
    expect(canonical.toolChoice).toEqual({ type: "required" });
  });

  test("built-in tools are listed apart, by position, for a refusal or a drop", () => {
    const { canonical, hostedTools } = translate({
      model: "m",
      input: "x",
      tools: [
        { type: "function", name: "f" },
        { type: "web_search" },
        { type: "code_interpreter", container: { type: "auto" } },
      ],
    });
    expect(canonical.tools.map((tool) => tool.name)).toEqual(["f"]);
    expect(hostedTools).toEqual([
      { param: "tools[1]", type: "web_search" },
      { param: "tools[2]", type: "code_interpreter" },
    ]);
    expect(
      translate({ model: "m", input: "x", tool_choice: { type: "file_search" } }).hostedTools,
    ).toEqual([{ param: "tool_choice", type: "file_search" }]);
  });

  test("what cannot be translated at all is a blocker naming it", () => {
    const blockers = (body: Record<string, unknown>) =>
      translate({ model: "m", ...body }).blockers.map((error) => error.details.param);
    expect(blockers({ input: "x", background: true })).toEqual(["background"]);
    expect(blockers({ input: "x", conversation: "conv_1" })).toEqual(["conversation"]);
    expect(blockers({ input: "x", prompt: { id: "pmpt_1" } })).toEqual(["prompt"]);
    expect(
      blockers({
        input: [
          { type: "item_reference", id: "msg_1" },
          { role: "user", content: "x" },
        ],
      }),
    ).toEqual(["input[0]"]);
    expect(
      blockers({
        input: [
          { type: "compaction", encrypted_content: "x" },
          { role: "user", content: "x" },
        ],
      }),
    ).toEqual(["input[0]"]);
    expect(blockers({ input: [] })).toEqual(["input"]);
  });

  test("fields and items a translated request cannot honour are warnings naming them", () => {
    const { warnings } = translate({
      model: "m",
      input: [
        { type: "web_search_call", id: "ws_1" },
        { role: "user", content: "x" },
      ],
      truncation: "auto",
      text: { verbosity: "low" },
      include: ["reasoning.encrypted_content", "file_search_call.results"],
      top_logprobs: 3,
      service_tier: "flex",
      prompt_cache_key: "k",
      future_field: 1,
    });
    expect(warnings.map((warning) => `${warning.type}:${warning.subject}`)).toEqual([
      "unsupported-content:input[0].web_search_call",
      "unsupported-field:text.verbosity",
      "unsupported-field:include.file_search_call.results",
      "unsupported-field:top_logprobs",
      "unsupported-field:truncation",
      "unsupported-field:service_tier",
      "unsupported-field:prompt_cache_key",
      "unsupported-field:future_field",
    ]);
    const defaults = translate({
      model: "m",
      input: "x",
      truncation: "disabled",
      store: true,
      metadata: { a: "b" },
      stream_options: { include_obfuscation: false },
    });
    expect(defaults.warnings).toEqual([]);
  });
});

describe("properties", () => {
  const anyValue = fc.jsonValue({ maxDepth: 3 });
  const part = fc.record(
    {
      type: fc.constantFrom(
        "input_text",
        "input_image",
        "input_file",
        "output_text",
        "refusal",
        "input_audio",
        "x",
      ),
      text: anyValue,
      image_url: anyValue,
      file_id: anyValue,
      file_data: anyValue,
      refusal: anyValue,
    },
    { requiredKeys: ["type"] },
  );
  const item = fc.record(
    {
      type: fc.constantFrom(
        "message",
        "function_call",
        "function_call_output",
        "reasoning",
        "item_reference",
        "web_search_call",
        "compaction",
      ),
      role: fc.constantFrom("user", "assistant", "system", "developer", "tool"),
      content: fc.oneof(fc.string(), fc.array(part, { maxLength: 3 }), anyValue),
      call_id: fc.oneof(fc.string(), anyValue),
      name: fc.oneof(fc.string(), anyValue),
      arguments: fc.oneof(fc.string(), fc.json(), anyValue),
      output: fc.oneof(fc.string(), fc.array(part, { maxLength: 2 }), anyValue),
      summary: fc.oneof(
        fc.array(fc.record({ type: fc.constant("summary_text"), text: fc.string() })),
        anyValue,
      ),
      encrypted_content: fc.oneof(
        fc.string(),
        fc.constant("mlx:v1:claude:sig"),
        fc.constant("mlx:v1:claude:redacted:x"),
        anyValue,
      ),
      id: fc.oneof(fc.string(), anyValue),
    },
    { requiredKeys: [] },
  );
  const body = fc.record(
    {
      model: fc.oneof(fc.string(), anyValue),
      input: fc.oneof(fc.string(), fc.array(item, { maxLength: 5 }), anyValue),
      instructions: anyValue,
      tools: fc.oneof(
        fc.array(
          fc.record(
            {
              type: fc.constantFrom("function", "web_search", "custom"),
              name: anyValue,
              parameters: anyValue,
            },
            { requiredKeys: [] },
          ),
          { maxLength: 3 },
        ),
        anyValue,
      ),
      tool_choice: fc.oneof(
        fc.constantFrom("auto", "none", "required", "other"),
        fc.record(
          {
            type: fc.constantFrom("function", "allowed_tools", "web_search"),
            name: anyValue,
            mode: anyValue,
            tools: anyValue,
          },
          { requiredKeys: [] },
        ),
        anyValue,
      ),
      text: anyValue,
      reasoning: fc.oneof(
        fc.record(
          { effort: fc.constantFrom("low", "none", "xhigh", "odd"), summary: anyValue },
          { requiredKeys: [] },
        ),
        anyValue,
      ),
      max_output_tokens: anyValue,
      temperature: anyValue,
      store: anyValue,
      background: anyValue,
      include: anyValue,
      metadata: anyValue,
    },
    { requiredKeys: [] },
  );

  test("any body is translated or refused with invalid_request naming the field, never another failure", () => {
    fc.assert(
      fc.property(body, (value) => {
        try {
          translate(value as Record<string, unknown>);
        } catch (error) {
          if (!(error instanceof GatewayError) || error.code !== "invalid_request") throw error;
          expect(error.message.startsWith(`${error.details.param}: `)).toBe(true);
        }
      }),
      { numRuns: 400 },
    );
  });
});
