// Canonical messages → Chat Completions `messages`: each content mapping and what is dropped
// with a warning.
import { describe, expect, test } from "bun:test";
import type { CanonicalRequest } from "#shared/canonical/request.ts";
import { openAiDialect } from "../../dataplane/providers/openai/capabilities.ts";
import { convertToOpenAiChatBody } from "../../dataplane/providers/openai/convert-request.ts";
import { canonicalRequest as request } from "./providers-openai-helpers.ts";

const convert = (overrides: Partial<CanonicalRequest>, model = "gpt-4o-mini") =>
  convertToOpenAiChatBody(request(overrides), model, openAiDialect);
const subjects = (warnings: Array<{ subject: string }>) =>
  warnings.map((warning) => warning.subject);

describe("messages", () => {
  test("system blocks: `system` for chat models, `developer` for reasoning models", () => {
    const system = [
      { text: "Be brief." },
      { text: "Answer in French.", cacheControl: { type: "ephemeral" as const } },
    ];
    expect(convert({ system }).value.messages).toEqual([
      { role: "system", content: "Be brief." },
      { role: "system", content: "Answer in French." },
      { role: "user", content: "Hi" },
    ]);
    const messages = convert({ system }, "o3-mini").value.messages as Array<{ role: string }>;
    expect(messages.map((message) => message.role)).toEqual(["developer", "developer", "user"]);
  });

  test("images by URL and base64 keep their detail; an image by file id is dropped", () => {
    const { value, warnings } = convert({
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "What is this?" },
            {
              type: "image",
              source: { kind: "url", url: "https://example.com/a.png" },
              detail: "low",
            },
            { type: "image", source: { kind: "base64", mediaType: "image/jpeg", data: "AAAA" } },
            { type: "image", source: { kind: "file", fileId: "file-1" } },
          ],
        },
      ],
    });
    expect(value.messages).toEqual([
      {
        role: "user",
        content: [
          { type: "text", text: "What is this?" },
          { type: "image_url", image_url: { url: "https://example.com/a.png", detail: "low" } },
          { type: "image_url", image_url: { url: "data:image/jpeg;base64,AAAA" } },
        ],
      },
    ]);
    expect(subjects(warnings)).toEqual(["image.file"]);
  });

  test("documents: base64 and file id as file parts, by URL dropped", () => {
    const { value, warnings } = convert({
      messages: [
        {
          role: "user",
          content: [
            {
              type: "document",
              source: { kind: "base64", mediaType: "application/pdf", data: "JVBE" },
              title: "a.pdf",
            },
            { type: "document", source: { kind: "file", fileId: "file-9" } },
            { type: "document", source: { kind: "url", url: "https://example.com/b.pdf" } },
          ],
        },
      ],
    });
    expect(value.messages).toEqual([
      {
        role: "user",
        content: [
          {
            type: "file",
            file: { filename: "a.pdf", file_data: "data:application/pdf;base64,JVBE" },
          },
          { type: "file", file: { file_id: "file-9" } },
        ],
      },
    ]);
    expect(subjects(warnings)).toEqual(["document"]);
  });

  test("tool use ↔ tool_calls, tool results → tool messages before the user's text", () => {
    const { value, warnings } = convert({
      messages: [
        { role: "user", content: [{ type: "text", text: "Weather in Paris and Rome?" }] },
        {
          role: "assistant",
          content: [
            { type: "thinking", text: "Two calls.", signature: "sig" },
            { type: "redacted-thinking", data: "xx" },
            { type: "text", text: "Checking." },
            { type: "tool-use", id: "call_1", name: "weather", input: { city: "Paris" } },
            { type: "tool-use", id: "call_2", name: "weather", input: { city: "Rome" } },
          ],
        },
        {
          role: "user",
          content: [
            {
              type: "tool-result",
              toolUseId: "call_1",
              content: [
                { type: "text", text: "18°C" },
                { type: "image", source: { kind: "url", url: "https://example.com/map.png" } },
              ],
            },
            {
              type: "tool-result",
              toolUseId: "call_2",
              content: [{ type: "text", text: "no data" }],
              isError: true,
            },
            { type: "text", text: "Thanks" },
          ],
        },
      ],
    });
    expect(value.messages).toEqual([
      { role: "user", content: "Weather in Paris and Rome?" },
      {
        role: "assistant",
        content: "Checking.",
        tool_calls: [
          {
            id: "call_1",
            type: "function",
            function: { name: "weather", arguments: '{"city":"Paris"}' },
          },
          {
            id: "call_2",
            type: "function",
            function: { name: "weather", arguments: '{"city":"Rome"}' },
          },
        ],
      },
      { role: "tool", tool_call_id: "call_1", content: "18°C" },
      { role: "tool", tool_call_id: "call_2", content: "no data" },
      { role: "user", content: "Thanks" },
    ]);
    expect(subjects(warnings)).toEqual([
      "assistant.thinking",
      "assistant.redacted-thinking",
      "tool-result.image",
      "tool-result.is_error",
    ]);
  });

  test("an assistant turn with only tool calls has null content", () => {
    const { value } = convert({
      messages: [
        { role: "user", content: [{ type: "text", text: "Go" }] },
        { role: "assistant", content: [{ type: "tool-use", id: "c", name: "run", input: {} }] },
        { role: "user", content: [{ type: "tool-result", toolUseId: "c", content: [] }] },
      ],
    });
    expect(value.messages).toEqual([
      { role: "user", content: "Go" },
      {
        role: "assistant",
        content: null,
        tool_calls: [{ id: "c", type: "function", function: { name: "run", arguments: "{}" } }],
      },
      { role: "tool", tool_call_id: "c", content: "" },
    ]);
  });
});
