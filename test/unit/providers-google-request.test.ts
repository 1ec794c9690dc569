// The Gemini adapter building requests: contents and roles, signatures sent back byte for byte,
// functionResponse naming, schema cleaning, generation config, what is dropped with a warning.
import { describe, expect, test } from "bun:test";
import type { CanonicalMessage } from "#shared/canonical/content.ts";
import type { CanonicalRequest } from "#shared/canonical/request.ts";
import { googleAdapter } from "../../dataplane/providers/google/index.ts";
import type { RuntimeProvider } from "../../dataplane/snapshot/runtime-config.ts";
import { canonicalRequest } from "../support/canonical-request.ts";
import { RECORDINGS, readJson } from "./providers-google-replay.ts";

const provider: RuntimeProvider = {
  id: "prov_1",
  orgId: "org_1",
  name: "google",
  vendor: "google",
  baseUrl: null,
  credential: "AIza-test-key",
  options: {},
};

function canonical(overrides: Partial<CanonicalRequest> = {}): CanonicalRequest {
  return canonicalRequest({
    model: "gemini-2.5-flash",
    messages: [{ role: "user", content: [{ type: "text", text: "Hello" }] }],
    ...overrides,
  });
}

async function build(overrides: Partial<CanonicalRequest> = {}, model = "gemini-2.5-flash") {
  const { value, warnings } = await googleAdapter.buildRequest(canonical(overrides), {
    provider,
    model,
  });
  return { call: value, body: JSON.parse(value.body), warnings };
}

describe("the HTTP call", () => {
  test("generateContent at the default base URL with the key in x-goog-api-key", async () => {
    const { call } = await build();
    expect(call.url).toBe(
      "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent",
    );
    expect(call.method).toBe("POST");
    expect(call.headers["x-goog-api-key"]).toBe("AIza-test-key");
    expect(call.url).not.toContain("key=");
  });

  test("streams use streamGenerateContent?alt=sse; a provider's base URL wins", async () => {
    const { value } = await googleAdapter.buildRequest(canonical({ stream: true }), {
      provider: { ...provider, baseUrl: "http://127.0.0.1:8090/v1beta/" },
      model: "models/gemini-3-pro-preview",
    });
    expect(value.url).toBe(
      "http://127.0.0.1:8090/v1beta/models/gemini-3-pro-preview:streamGenerateContent?alt=sse",
    );
  });
});

describe("contents", () => {
  test("system, roles user/model, media parts", async () => {
    const { body, warnings } = await build({
      system: [{ text: "Be brief.", cacheControl: { type: "ephemeral" } }],
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "Describe these", cacheControl: { type: "ephemeral" } },
            { type: "image", source: { kind: "url", url: "https://example.com/cat.PNG?x=1" } },
            {
              type: "image",
              source: { kind: "base64", mediaType: "image/jpeg", data: "/9j/4AAQ" },
            },
            { type: "image", source: { kind: "url", url: "data:image/webp;base64,UklGRg==" } },
            {
              type: "document",
              source: {
                kind: "file",
                fileId: "https://generativelanguage.googleapis.com/v1beta/files/abc",
              },
            },
          ],
        },
        { role: "assistant", content: [{ type: "text", text: "Two cats." }] },
      ],
    });
    expect(body.systemInstruction).toEqual({ parts: [{ text: "Be brief." }] });
    expect(body.contents).toEqual([
      {
        role: "user",
        parts: [
          { text: "Describe these" },
          { fileData: { mimeType: "image/png", fileUri: "https://example.com/cat.PNG?x=1" } },
          { inlineData: { mimeType: "image/jpeg", data: "/9j/4AAQ" } },
          { inlineData: { mimeType: "image/webp", data: "UklGRg==" } },
          { fileData: { fileUri: "https://generativelanguage.googleapis.com/v1beta/files/abc" } },
        ],
      },
      { role: "model", parts: [{ text: "Two cats." }] },
    ]);
    // Cache markers are dropped silently: Gemini caches implicitly.
    expect(warnings).toEqual([]);
  });

  test("an image URL whose type cannot be guessed is sent without one, with a warning", async () => {
    const { body, warnings } = await build({
      messages: [
        {
          role: "user",
          content: [
            { type: "image", source: { kind: "url", url: "https://example.com/render?id=7" } },
          ],
        },
      ],
    });
    expect(body.contents[0].parts).toEqual([
      { fileData: { fileUri: "https://example.com/render?id=7" } },
    ]);
    expect(warnings.map((warning) => warning.subject)).toEqual(["image"]);
  });

  test("signatures round-trip byte for byte: a recorded answer sent back as history", async () => {
    const recorded = readJson(RECORDINGS, "google-tool-call-gemini3.json") as {
      candidates: Array<{ content: { parts: Array<{ thoughtSignature: string }> } }>;
    };
    const recordedSignature = recorded.candidates[0]?.content.parts[0]?.thoughtSignature as string;
    const answer = googleAdapter.parseResponse(recorded).value;
    const callId = (answer.content[0] as { id: string }).id;
    const messages: CanonicalMessage[] = [
      { role: "user", content: [{ type: "text", text: "Weather in San Francisco?" }] },
      { role: "assistant", content: answer.content },
      {
        role: "user",
        content: [
          {
            type: "tool-result",
            toolUseId: callId,
            content: [{ type: "text", text: "18°C, fog" }],
          },
        ],
      },
    ];
    const { call, body } = await build({ messages });
    expect(body.contents[1]).toEqual({
      role: "model",
      parts: [
        {
          functionCall: { name: "weather", args: { location: "San Francisco" } },
          thoughtSignature: recordedSignature,
        },
      ],
    });
    // The very bytes of the recording appear in the body we send.
    expect(call.body).toContain(JSON.stringify(recordedSignature));
    // The result's name comes from the call with the same id earlier in the history.
    expect(body.contents[2]).toEqual({
      role: "user",
      parts: [{ functionResponse: { name: "weather", response: { output: "18°C, fog" } } }],
    });
  });

  test("unsigned calls of the current turn get Google's placeholder signature, older ones do not", async () => {
    const call = (id: string) => ({
      type: "tool-use" as const,
      id,
      name: "lookup",
      input: { q: id },
    });
    const result = (id: string) => ({
      type: "tool-result" as const,
      toolUseId: id,
      content: [{ type: "text" as const, text: "ok" }],
    });
    const { body } = await build({
      messages: [
        { role: "user", content: [{ type: "text", text: "First question" }] },
        { role: "assistant", content: [call("a")] },
        { role: "user", content: [result("a")] },
        { role: "assistant", content: [{ type: "text", text: "Done." }] },
        { role: "user", content: [{ type: "text", text: "Second question" }] },
        { role: "assistant", content: [call("b"), call("c")] },
        { role: "user", content: [result("b"), result("c")] },
        { role: "assistant", content: [{ ...call("d"), signature: "cmVhbA==", origin: "gemini" }] },
        { role: "user", content: [result("d")] },
      ],
    });
    const calls = body.contents
      .filter((content: { role: string }) => content.role === "model")
      .map((content: { parts: Array<{ thoughtSignature?: string }> }) =>
        content.parts.map((part) => part.thoughtSignature),
      );
    expect(calls).toEqual([
      [undefined],
      [undefined],
      // Only the first call of a step carries a signature, as Gemini sends them.
      ["skip_thought_signature_validator", undefined],
      ["cmVhbA=="],
    ]);
  });

  test("text and thinking signatures go back on their parts", async () => {
    const { body } = await build({
      messages: [
        { role: "user", content: [{ type: "text", text: "Count" }] },
        {
          role: "assistant",
          content: [
            { type: "thinking", text: "Counting…", signature: "dGhpbmtpbmc=", origin: "gemini" },
            { type: "thinking", text: "unsigned thought" },
            { type: "text", text: "Three.", signature: "dGV4dA==", origin: "gemini" },
            { type: "text", text: "", signature: "ZW1wdHk=", origin: "gemini" },
            { type: "text", text: "" },
          ],
        },
      ],
    });
    expect(body.contents[1].parts).toEqual([
      { text: "Counting…", thought: true, thoughtSignature: "dGhpbmtpbmc=" },
      { text: "unsigned thought", thought: true },
      { text: "Three.", thoughtSignature: "dGV4dA==" },
      { text: "", thoughtSignature: "ZW1wdHk=" },
    ]);
  });

  test("tool results: the given name wins, errors go in `error`, images are dropped with a warning", async () => {
    const { body, warnings } = await build({
      messages: [
        { role: "user", content: [{ type: "text", text: "Go" }] },
        {
          role: "assistant",
          content: [{ type: "tool-use", id: "toolu_1", name: "lookup", input: {} }],
        },
        {
          role: "user",
          content: [
            {
              type: "tool-result",
              toolUseId: "toolu_1",
              toolName: "lookup_v2",
              isError: true,
              content: [
                { type: "text", text: "not found" },
                { type: "image", source: { kind: "url", url: "https://example.com/a.png" } },
              ],
            },
            {
              type: "tool-result",
              toolUseId: "unknown_id",
              content: [{ type: "text", text: "?" }],
            },
          ],
        },
      ],
    });
    expect(body.contents[2].parts).toEqual([
      { functionResponse: { name: "lookup_v2", response: { error: "not found" } } },
      { functionResponse: { name: "unknown_id", response: { output: "?" } } },
    ]);
    expect(warnings.map((warning) => warning.subject)).toEqual([
      "tool-result.image",
      "tool-result.name",
    ]);
  });

  test("redacted thinking is dropped, a message left empty with it, the turns around it merge", async () => {
    const { body, warnings } = await build({
      messages: [
        { role: "user", content: [{ type: "text", text: "Hi" }] },
        { role: "assistant", content: [{ type: "redacted-thinking", data: "opaque" }] },
        { role: "user", content: [{ type: "text", text: "Again" }] },
      ],
    });
    expect(body.contents).toEqual([{ role: "user", parts: [{ text: "Hi" }, { text: "Again" }] }]);
    expect(warnings.map((warning) => warning.subject)).toEqual([
      "redacted-thinking",
      "messages[1]",
    ]);
  });
});
