// Each adapter sends a signature only to the family that made it (issue 16): a conversation whose
// turns came from Claude (Anthropic and Bedrock) and from Gemini, read from real recordings, is
// sent to every vendor; each upstream body holds its own family's signatures byte for byte and
// never another's, and what was dropped is named by a `foreign-signature` warning.
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { AssistantContent, CanonicalMessage } from "#shared/canonical/content.ts";
import type { CanonicalRequest } from "#shared/canonical/request.ts";
import type { ConversionWarning } from "#shared/canonical/warnings.ts";
import type { ProviderAdapter } from "../../dataplane/providers/adapter.ts";
import { anthropicAdapter } from "../../dataplane/providers/anthropic/index.ts";
import { bedrockAdapter } from "../../dataplane/providers/bedrock/index.ts";
import { cohereAdapter } from "../../dataplane/providers/cohere/index.ts";
import { googleAdapter } from "../../dataplane/providers/google/index.ts";
import { openAiAdapter } from "../../dataplane/providers/openai/index.ts";
import type { RuntimeProvider } from "../../dataplane/snapshot/runtime-config.ts";

const RECORDINGS = join(import.meta.dir, "../fixtures/provider-recordings");
const recording = (path: string): unknown =>
  JSON.parse(readFileSync(join(RECORDINGS, path), "utf8"));

const CLAUDE_ON_BEDROCK = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";
const NOVA_ON_BEDROCK = "us.amazon.nova-premier-v1:0";

// Turn by turn, as the adapters read them off the wire.
const claudeTurn = anthropicAdapter.parseResponse(
  recording("anthropic/anthropic-clear-thinking.1.json"),
).value.content;
const bedrockClaudeTurn = bedrockAdapter.parseResponse(
  recording("amazon-bedrock/amazon-bedrock-reasoning.json"),
  { model: CLAUDE_ON_BEDROCK },
).value.content;
const geminiTextTurn = googleAdapter.parseResponse(
  recording("google/google-reasoning-gemini3.json"),
).value.content;
const geminiCallTurn = googleAdapter.parseResponse(
  recording("google/google-tool-call-gemini3.json"),
).value.content;

function signatureOf(content: AssistantContent[], type: AssistantContent["type"]): string {
  const block = content.find((item) => item.type === type);
  const signature = block && "signature" in block ? block.signature : undefined;
  if (!signature) throw new Error(`the recording has no signed ${type}`);
  return signature;
}

const CLAUDE_SIGNATURE = signatureOf(claudeTurn, "thinking");
const BEDROCK_CLAUDE_SIGNATURE = signatureOf(bedrockClaudeTurn, "thinking");
const GEMINI_TEXT_SIGNATURE = signatureOf(geminiTextTurn, "text");
const GEMINI_CALL_SIGNATURE = signatureOf(geminiCallTurn, "tool-use");
const callId = (geminiCallTurn[0] as { id: string }).id;

const user = (text: string): CanonicalMessage => ({
  role: "user",
  content: [{ type: "text", text }],
});

/** Claude on Anthropic, Claude on Bedrock, Gemini's text, then Gemini's call and its result. */
const history: CanonicalMessage[] = [
  user("What is 925 / 5?"),
  { role: "assistant", content: claudeTurn },
  user("How many r's in strawberry?"),
  { role: "assistant", content: bedrockClaudeTurn },
  user("And again?"),
  { role: "assistant", content: geminiTextTurn },
  user("Weather in San Francisco?"),
  { role: "assistant", content: geminiCallTurn },
  {
    role: "user",
    content: [
      {
        type: "tool-result",
        toolUseId: callId,
        toolName: "weather",
        content: [{ type: "text", text: "18°C" }],
      },
    ],
  },
];

function provider(vendor: string, credential: string): RuntimeProvider {
  return {
    id: `prv_${vendor}`,
    orgId: "org_1",
    name: vendor,
    vendor,
    baseUrl: null,
    credential,
    options: {},
  };
}

async function send(
  adapter: ProviderAdapter,
  target: RuntimeProvider,
  model: string,
  messages: CanonicalMessage[] = history,
): Promise<{ body: string; codes: string[] }> {
  const request: CanonicalRequest = {
    model,
    system: [],
    messages,
    tools: [
      {
        name: "weather",
        description: "Weather for a place",
        inputSchema: { type: "object", properties: { location: { type: "string" } } },
      },
    ],
    stream: false,
    openAiOnly: {},
    forwardHeaders: {},
  };
  const built = await adapter.buildRequest(request, { provider: target, model });
  return { body: built.value.body, codes: codes(built.warnings) };
}

const codes = (warnings: ConversionWarning[]) =>
  warnings.map((warning) => `${warning.type}:${warning.subject}`);

/** Whether the exact signature bytes went up (as a JSON string, however the body is laid out). */
const carries = (body: string, signature: string) => body.includes(JSON.stringify(signature));

const FOREIGN = [
  "foreign-signature:thinking",
  "foreign-signature:text",
  "foreign-signature:tool-use",
];

describe("Anthropic", () => {
  const target = provider("anthropic", "sk-ant-test");

  test("Claude's signatures go back byte for byte (Bedrock's Claude too); Gemini's never", async () => {
    const { body, codes } = await send(anthropicAdapter, target, "claude-sonnet-4-5");
    expect(carries(body, CLAUDE_SIGNATURE)).toBe(true);
    expect(carries(body, BEDROCK_CLAUDE_SIGNATURE)).toBe(true);
    expect(carries(body, GEMINI_TEXT_SIGNATURE)).toBe(false);
    expect(carries(body, GEMINI_CALL_SIGNATURE)).toBe(false);
    const sent = JSON.parse(body);
    // Claude's thinking blocks are sent whole, as they came.
    expect(sent.messages[1].content[0]).toEqual({
      type: "thinking",
      thinking: (claudeTurn[0] as { text: string }).text,
      signature: CLAUDE_SIGNATURE,
    });
    expect(codes).toEqual(
      expect.arrayContaining(["foreign-signature:text", "foreign-signature:tool-use"]),
    );
  });

  test("Gemini's thinking cannot go to Claude: the block is dropped with its signature", async () => {
    const geminiThinking: CanonicalMessage = {
      role: "assistant",
      content: [
        {
          type: "thinking",
          text: "Let me count.",
          signature: GEMINI_TEXT_SIGNATURE,
          origin: "gemini",
        },
        { type: "text", text: "Three." },
      ],
    };
    const { body, codes } = await send(anthropicAdapter, target, "claude-sonnet-4-5", [
      user("Count"),
      geminiThinking,
      user("Sure?"),
    ]);
    expect(JSON.parse(body).messages[1].content).toEqual([{ type: "text", text: "Three." }]);
    expect(codes).toEqual(["foreign-signature:thinking"]);
  });

  test("redacted thinking goes back only when Claude made it", async () => {
    const { body, codes } = await send(anthropicAdapter, target, "claude-sonnet-4-5", [
      user("Hi"),
      {
        role: "assistant",
        content: [
          { type: "redacted-thinking", data: "Q2xhdWRl", origin: "claude" },
          { type: "redacted-thinking", data: "T3BlbkFJ", origin: "openai" },
          { type: "text", text: "Hello" },
        ],
      },
      user("Again"),
    ]);
    expect(JSON.parse(body).messages[1].content).toEqual([
      { type: "redacted_thinking", data: "Q2xhdWRl" },
      { type: "text", text: "Hello" },
    ]);
    expect(codes).toEqual(["foreign-signature:redacted-thinking"]);
  });
});

describe("Gemini", () => {
  const target = provider("google", "AIza-test");

  test("Gemini's signatures go back byte for byte on their parts; Claude's never", async () => {
    const { body, codes } = await send(googleAdapter, target, "gemini-3-pro-preview");
    expect(carries(body, GEMINI_TEXT_SIGNATURE)).toBe(true);
    expect(carries(body, GEMINI_CALL_SIGNATURE)).toBe(true);
    expect(carries(body, CLAUDE_SIGNATURE)).toBe(false);
    expect(carries(body, BEDROCK_CLAUDE_SIGNATURE)).toBe(false);
    const contents = JSON.parse(body).contents;
    const call = contents.find((content: { parts: Array<{ functionCall?: unknown }> }) =>
      content.parts.some((part) => part.functionCall),
    );
    expect(call.parts[0].thoughtSignature).toBe(GEMINI_CALL_SIGNATURE);
    // Claude's thinking goes as an unsigned thought part, which Gemini takes.
    expect(contents[1].parts[0]).toEqual({
      text: (claudeTurn[0] as { text: string }).text,
      thought: true,
    });
    expect(codes).toContain("foreign-signature:thinking");
  });
});

describe("Bedrock", () => {
  const target = provider("bedrock", "AKIDTEST::secret::us-east-1");

  test("Claude on Bedrock takes Claude's signatures, from Anthropic or Bedrock; Gemini's never", async () => {
    const { body, codes } = await send(bedrockAdapter, target, CLAUDE_ON_BEDROCK);
    expect(carries(body, CLAUDE_SIGNATURE)).toBe(true);
    expect(carries(body, BEDROCK_CLAUDE_SIGNATURE)).toBe(true);
    expect(carries(body, GEMINI_TEXT_SIGNATURE)).toBe(false);
    expect(carries(body, GEMINI_CALL_SIGNATURE)).toBe(false);
    const sent = JSON.parse(body);
    expect(sent.messages[3].content[0]).toEqual({
      reasoningContent: {
        reasoningText: {
          text: (bedrockClaudeTurn[0] as { text: string }).text,
          signature: BEDROCK_CLAUDE_SIGNATURE,
        },
      },
    });
    expect(codes).toEqual(
      expect.arrayContaining(["foreign-signature:text", "foreign-signature:tool-use"]),
    );
  });

  test("another Bedrock model takes no Claude signature: the thinking goes unsigned", async () => {
    const { body, codes } = await send(bedrockAdapter, target, NOVA_ON_BEDROCK);
    for (const signature of [CLAUDE_SIGNATURE, BEDROCK_CLAUDE_SIGNATURE, GEMINI_TEXT_SIGNATURE])
      expect(carries(body, signature)).toBe(false);
    expect(JSON.parse(body).messages[1].content[0]).toEqual({
      reasoningContent: { reasoningText: { text: (claudeTurn[0] as { text: string }).text } },
    });
    expect(codes).toEqual(expect.arrayContaining(FOREIGN));
  });

  test("a non-Claude model's own signature goes back to it; Claude drops it with the thinking", async () => {
    const answered = bedrockAdapter.parseResponse(
      recording("amazon-bedrock/amazon-bedrock-reasoning.json"),
      { model: NOVA_ON_BEDROCK },
    ).value.content;
    const messages = [
      user("Count"),
      { role: "assistant" as const, content: answered },
      user("Sure?"),
    ];
    const nova = await send(bedrockAdapter, target, NOVA_ON_BEDROCK, messages);
    expect(carries(nova.body, BEDROCK_CLAUDE_SIGNATURE)).toBe(true);
    expect(nova.codes).toEqual([]);
    const claude = await send(bedrockAdapter, target, CLAUDE_ON_BEDROCK, messages);
    expect(carries(claude.body, BEDROCK_CLAUDE_SIGNATURE)).toBe(false);
    expect(JSON.parse(claude.body).messages[1].content).toEqual([
      { text: (answered[1] as { text: string }).text },
    ]);
    expect(claude.codes).toEqual(["foreign-signature:thinking"]);
  });
});

describe("vendors without signatures", () => {
  for (const [adapter, target, model] of [
    [cohereAdapter, provider("cohere", "co-test"), "command-a-reasoning-08-2025"],
    [openAiAdapter, provider("openai", "sk-test"), "gpt-4o-mini"],
  ] as const) {
    test(`${adapter.vendor}: no signature of anyone goes up, and each drop is named`, async () => {
      const { body, codes } = await send(adapter, target, model);
      for (const signature of [
        CLAUDE_SIGNATURE,
        BEDROCK_CLAUDE_SIGNATURE,
        GEMINI_TEXT_SIGNATURE,
        GEMINI_CALL_SIGNATURE,
      ])
        expect(body.includes(signature)).toBe(false);
      expect(codes).toEqual(
        expect.arrayContaining(["foreign-signature:text", "foreign-signature:tool-use"]),
      );
    });
  }
});
