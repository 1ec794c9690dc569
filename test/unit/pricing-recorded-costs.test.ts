// What a real answer costs, end to end: each recorded response is read by its vendor's adapter
// (parseResponse, or parseStream over the recording framed as the vendor sends it), and
// costUsd(usage, lookupModel(vendor, model).price) is compared with a figure worked out by hand
// from the catalog's $/million-token rates (the arithmetic is beside each case).
//
// Coverage of the billed token kinds, by what the recordings hold:
// - cache reads: xAI and DeepSeek (OpenAI's Chat Completions wire format, `cached_tokens` /
//   `prompt_cache_hit_tokens`) and Anthropic (`cache_read_input_tokens`). No OpenAI Chat
//   Completions recording has cached tokens (openai/responses and azure/ do, but they speak the
//   Responses API, which no adapter parses), none from Google has `cachedContentTokenCount`,
//   none from Bedrock has `cacheReadInputTokens` / `cacheWriteInputTokens`: those three are
//   covered by the project's hand-written fixtures, marked as such below.
// - cache writes: only Anthropic's prompt-cache stream records any (`cache_creation_input_tokens`);
//   Bedrock's is hand-written. No OpenAI-shaped vendor reports cache writes.
// - reasoning: OpenAI's shape through Azure (model router → gpt-5-nano), xAI (reported outside
//   completion_tokens), Groq and DeepSeek (inside), Anthropic (`thinking_tokens`) and Gemini
//   (`thoughtsTokenCount`). Bedrock and Cohere bill thinking as output without counting it apart.
// - No recordings exist for fireworks, cerebras, together or perplexity.
import { describe, expect, test } from "bun:test";
import { type CanonicalUsage, emptyUsage } from "#shared/canonical/response.ts";
import { lookupModel } from "#shared/pricing/catalog.ts";
import { costUsd, roundUsd } from "#shared/pricing/cost.ts";
import type { WireShape } from "../../dataplane/providers/adapter.ts";
import { adapterFor } from "../../dataplane/providers/registry.ts";
import { eventFrame } from "../../simulator/formats/bedrock/converse-stream.ts";

const FIXTURES = new URL("../fixtures/", import.meta.url);

interface CostCase {
  vendor: string;
  /** Under test/fixtures/: `provider-recordings/…` (recorded) or `hand-written/…` (not). */
  file: string;
  /** The model priced; the recording's own where it names one. */
  model: string;
  usage: CanonicalUsage;
  /** Hand-computed, USD. */
  usd: number;
  /** Priced by the unknown-model rule on purpose. */
  unknown?: true;
}

const usage = (
  inputTokens: number,
  outputTokens: number,
  more: Partial<CanonicalUsage> = {},
): CanonicalUsage => ({ ...emptyUsage(), inputTokens, outputTokens, ...more });

// Rates are the catalog's, in $ per million tokens; "in" is uncached input, "out" visible output.
const CASES: CostCase[] = [
  // OpenAI, gpt-4.1-nano: $0.10 in, $0.40 out.
  {
    // 16 × 0.10 + 363 × 0.40 = 1.6 + 145.2 = 146.8 → $0.0001468
    vendor: "openai",
    file: "provider-recordings/openai/chat/openai-text.json",
    model: "gpt-4.1-nano-2025-04-14",
    usage: usage(16, 363),
    usd: 0.0001468,
  },
  {
    // Final usage chunk (`choices: []`): 16 × 0.10 + 300 × 0.40 = 1.6 + 120 = 121.6 → $0.0001216
    vendor: "openai",
    file: "provider-recordings/openai/chat/openai-text.chunks.txt",
    model: "gpt-4.1-nano-2025-04-14",
    usage: usage(16, 300),
    usd: 0.0001216,
  },
  {
    // HAND-WRITTEN (no OpenAI chat recording has cached tokens). gpt-4o-mini: $0.15 in,
    // $0.075 cached, $0.60 out. 128 × 0.15 + 1,920 × 0.075 + 40 × 0.60
    // = 19.2 + 144 + 24 = 187.2 → $0.0001872
    vendor: "openai",
    file: "hand-written/openai/parallel-tool-calls.json",
    model: "gpt-4o-mini-2024-07-18",
    usage: usage(2048, 40, { cacheReadTokens: 1920 }),
    usd: 0.0001872,
  },
  {
    // Azure's model router answered with gpt-5-nano: $0.05 in, $0.40 out, no reasoning rate
    // (→ output). 15 × 0.05 + 14 × 0.40 + 64 reasoning × 0.40 = 0.75 + 5.6 + 25.6 = 31.95
    // → $0.00003195
    vendor: "azure",
    file: "provider-recordings/openai/chat/azure-model-router.1.chunks.txt",
    model: "gpt-5-nano-2025-08-07",
    usage: usage(15, 78, { reasoningTokens: 64 }),
    usd: 0.00003195,
  },
  // xAI, grok-3-mini: $0.30 in, $0.50 out; no cache rate in the catalog, so cached input bills at
  // the input rate. xAI counts reasoning outside completion_tokens; canonical output adds it.
  {
    // 10 × 0.30 + 2 cached × 0.30 + 1 × 0.50 + 228 reasoning × 0.50 = 3 + 0.6 + 0.5 + 114
    // = 118.1 → $0.0001181. xAI's own bill (cost_in_usd_ticks 1,176,500 × 1e-10) is
    // $0.00011765: it charges cached input $0.075/M, which the catalog does not list.
    vendor: "xai",
    file: "provider-recordings/xai/xai-text.json",
    model: "grok-3-mini",
    usage: usage(12, 229, { cacheReadTokens: 2, reasoningTokens: 228 }),
    usd: 0.0001181,
  },
  {
    // 1 × 0.30 + 11 cached × 0.30 + 1 × 0.50 + 290 reasoning × 0.50 = 0.3 + 3.3 + 0.5 + 145
    // = 149.1 → $0.0001491
    vendor: "xai",
    file: "provider-recordings/xai/xai-text.chunks.txt",
    model: "grok-3-mini",
    usage: usage(12, 291, { cacheReadTokens: 11, reasoningTokens: 290 }),
    usd: 0.0001491,
  },
  {
    // 47 × 0.30 + 244 cached × 0.30 + 26 × 0.50 + 189 reasoning × 0.50
    // = 14.1 + 73.2 + 13 + 94.5 = 194.8 → $0.0001948
    vendor: "xai",
    file: "provider-recordings/xai/xai-tool-call.json",
    model: "grok-3-mini",
    usage: usage(291, 215, { cacheReadTokens: 244, reasoningTokens: 189 }),
    usd: 0.0001948,
  },
  {
    // Groq, qwen/qwen3-32b: $0.29 in, $0.59 out; reasoning inside completion_tokens.
    // 17 × 0.29 + 79 × 0.59 + 570 reasoning × 0.59 = 4.93 + 46.61 + 336.3 = 387.84
    // → $0.00038784
    vendor: "groq",
    file: "provider-recordings/groq/groq-reasoning.json",
    model: "qwen/qwen3-32b",
    usage: usage(17, 649, { reasoningTokens: 570 }),
    usd: 0.00038784,
  },
  {
    // Groq's last chunk (usage in `x_groq` and `usage`), llama-3.3-70b-versatile: $0.59 in,
    // $0.79 out. 45 × 0.59 + 662 × 0.79 = 26.55 + 522.98 = 549.53 → $0.00054953
    vendor: "groq",
    file: "provider-recordings/groq/groq-text.chunks.txt",
    model: "llama-3.3-70b-versatile",
    usage: usage(45, 662),
    usd: 0.00054953,
  },
  // DeepSeek, deepseek-reasoner and deepseek-chat: $0.14 in, $0.0028 cache hit, $0.28 out.
  {
    // 175 × 0.14 + 320 cached × 0.0028 + 26 × 0.28 + 118 reasoning × 0.28
    // = 24.5 + 0.896 + 7.28 + 33.04 = 65.716 → $0.000065716
    vendor: "deepseek",
    file: "provider-recordings/deepseek/chat/deepseek-json.json",
    model: "deepseek-reasoner",
    usage: usage(495, 144, { cacheReadTokens: 320, reasoningTokens: 118 }),
    usd: 0.000065716,
  },
  {
    // 19 × 0.14 + 320 cached × 0.0028 + 44 × 0.28 + 39 reasoning × 0.28
    // = 2.66 + 0.896 + 12.32 + 10.92 = 26.796 → $0.000026796
    vendor: "deepseek",
    file: "provider-recordings/deepseek/chat/deepseek-tool-call.chunks.txt",
    model: "deepseek-reasoner",
    usage: usage(339, 83, { cacheReadTokens: 320, reasoningTokens: 39 }),
    usd: 0.000026796,
  },
  {
    // 13 × 0.14 + 400 × 0.28 = 1.82 + 112 = 113.82 → $0.00011382
    vendor: "deepseek",
    file: "provider-recordings/deepseek/chat/deepseek-text.chunks.txt",
    model: "deepseek-chat",
    usage: usage(13, 400),
    usd: 0.00011382,
  },
  {
    // Mistral, mistral-small-latest: $0.10 in, $0.30 out.
    // 13 × 0.10 + 434 × 0.30 = 1.3 + 130.2 = 131.5 → $0.0001315
    vendor: "mistral",
    file: "provider-recordings/mistral/mistral-text.json",
    model: "mistral-small-latest",
    usage: usage(13, 434),
    usd: 0.0001315,
  },
  {
    // magistral-medium-2507 is priced as magistral-medium-latest: $2 in, $5 out.
    // 10 × 2 + 46 × 5 = 20 + 230 = 250 → $0.00025
    vendor: "mistral",
    file: "provider-recordings/mistral/mistral-reasoning.chunks.txt",
    model: "magistral-medium-2507",
    usage: usage(10, 46),
    usd: 0.00025,
  },
  // Anthropic. Its input_tokens leave out cache reads and writes; canonical input adds them.
  {
    // claude-sonnet-4.5: $3 in, $15 out. 12 × 3 + 29 × 15 = 36 + 435 = 471 → $0.000471
    vendor: "anthropic",
    file: "provider-recordings/anthropic/anthropic-text.json",
    model: "claude-sonnet-4-5-20250929",
    usage: usage(12, 29),
    usd: 0.000471,
  },
  {
    // message_delta's usage: 12 × 3 + 30 × 15 = 36 + 450 = 486 → $0.000486
    vendor: "anthropic",
    file: "provider-recordings/anthropic/anthropic-text.chunks.txt",
    model: "claude-sonnet-4-5-20250929",
    usage: usage(12, 30),
    usd: 0.000486,
  },
  {
    // Cache reads and writes. claude-sonnet-5: $2 in, $0.20 cache read, $2.50 cache write,
    // $10 out. message_delta's final counts replace message_start's: input 6, cache write
    // 3,337, cache read 6,289, output 198.
    // 6 × 2 + 6,289 × 0.20 + 3,337 × 2.50 + 198 × 10 = 12 + 1,257.8 + 8,342.5 + 1,980
    // = 11,592.3 → $0.0115923
    vendor: "anthropic",
    file: "provider-recordings/anthropic/anthropic-code-execution-20260120-prompt-cache.1.chunks.txt",
    model: "claude-sonnet-5",
    usage: usage(9632, 198, { cacheReadTokens: 6289, cacheWriteTokens: 3337 }),
    usd: 0.0115923,
  },
  {
    // Thinking: claude-opus-5, $5 in, $25 out (thinking at the output rate).
    // 51 × 5 + 1,560 × 25 + 139 thinking × 25 = 255 + 39,000 + 3,475 = 42,730 → $0.04273
    vendor: "anthropic",
    file: "provider-recordings/anthropic/anthropic-claude-opus-5-reasoning-high.1.json",
    model: "claude-opus-5",
    usage: usage(51, 1699, { reasoningTokens: 139 }),
    usd: 0.04273,
  },
  // Google (Gemini API), gemini-3-pro-preview and 3.1: $2 in, $12 out. Thoughts are billed as
  // output but reported apart from candidatesTokenCount; canonical output adds them.
  {
    // 9 × 2 + 28 × 12 + 244 thoughts × 12 = 18 + 336 + 2,928 = 3,282 → $0.003282
    vendor: "google",
    file: "provider-recordings/google/google-text.json",
    model: "gemini-3-pro-preview",
    usage: usage(9, 272, { reasoningTokens: 244 }),
    usd: 0.003282,
  },
  {
    // Last chunk's usageMetadata: 9 × 2 + 29 × 12 + 256 thoughts × 12 = 18 + 348 + 3,072
    // = 3,438 → $0.003438
    vendor: "google",
    file: "provider-recordings/google/google-reasoning.chunks.txt",
    model: "gemini-3-pro-preview",
    usage: usage(9, 285, { reasoningTokens: 256 }),
    usd: 0.003438,
  },
  {
    // 26 × 2 + 23 × 12 + 132 thoughts × 12 = 52 + 276 + 1,584 = 1,912 → $0.001912
    vendor: "google",
    file: "provider-recordings/google/google-stream-tool-call-arguments.chunks.txt",
    model: "gemini-3.1-pro-preview",
    usage: usage(26, 155, { reasoningTokens: 132 }),
    usd: 0.001912,
  },
  {
    // HAND-WRITTEN (no Gemini recording has cachedContentTokenCount). gemini-2.5-flash: $0.30
    // in, $0.03 cached, $2.50 out. 52 × 0.30 + 2,048 × 0.03 + 6 × 2.50 + 52 thoughts × 2.50
    // = 15.6 + 61.44 + 15 + 130 = 222.04 → $0.00022204
    vendor: "google",
    file: "hand-written/google/google-thinking-text.chunks.txt",
    model: "gemini-2.5-flash",
    usage: usage(2100, 58, { cacheReadTokens: 2048, reasoningTokens: 52 }),
    usd: 0.00022204,
  },
  // Bedrock. Converse answers do not name their model; these are priced as the Claude Sonnet
  // 4.5 cross-region profile (resolved to anthropic.claude-sonnet-4-5-20250929-v1:0): $3 in,
  // $0.30 cache read, $3.75 cache write, $15 out.
  {
    // 22 × 3 + 57 × 15 = 66 + 855 = 921 → $0.000921
    vendor: "bedrock",
    file: "provider-recordings/amazon-bedrock/amazon-bedrock-text.json",
    model: "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
    usage: usage(22, 57),
    usd: 0.000921,
  },
  {
    // The `metadata` event: 51 × 3 + 94 × 15 = 153 + 1,410 = 1,563 → $0.001563. Bedrock counts
    // no reasoning apart: 116 characters of it are estimated as 29 of the 94 output tokens,
    // billed at the output rate (no reasoning rate), so the cost is the same.
    vendor: "bedrock",
    file: "provider-recordings/amazon-bedrock/amazon-bedrock-reasoning.chunks.txt",
    model: "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
    usage: usage(51, 94, { reasoningTokens: 29 }),
    usd: 0.001563,
  },
  {
    // HAND-WRITTEN (no Bedrock recording has cache tokens). Bedrock's inputTokens leave out
    // cache reads and writes, like Anthropic's. 37 × 3 + 2,048 × 0.30 + 512 × 3.75 + 11 × 15
    // = 111 + 614.4 + 1,920 + 165 = 2,810.4 → $0.0028104
    vendor: "bedrock",
    file: "hand-written/bedrock/bedrock-cache-stop-sequence.json",
    model: "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
    usage: usage(2597, 11, { cacheReadTokens: 2048, cacheWriteTokens: 512 }),
    usd: 0.0028104,
  },
  // Cohere bills `billed_units`, not `tokens` (which count its own preamble). Its answers do
  // not name their model.
  {
    // Priced as command-r-plus (08-2024 → command-r-plus): $2.50 in, $10 out.
    // 12 × 2.50 + 7 × 10 = 30 + 70 = 100 → $0.0001
    vendor: "cohere",
    file: "provider-recordings/cohere/cohere-text.json",
    model: "command-r-plus-08-2024",
    usage: usage(12, 7),
    usd: 0.0001,
  },
  {
    // command-a-reasoning is not in the catalog: the unknown-model rule prices it as Cohere's
    // dearest, command-r-plus ($2.50 in, $10 out). 8 × 2.50 + 50 × 10 = 20 + 500 = 520
    // → $0.00052. 162 characters of thinking are estimated as 41 of the 50 output tokens, at the
    // output rate: the same cost.
    vendor: "cohere",
    file: "provider-recordings/cohere/cohere-reasoning.chunks.txt",
    model: "command-a-reasoning-08-2025",
    usage: usage(8, 50, { reasoningTokens: 41 }),
    usd: 0.00052,
    unknown: true,
  },
];

/** One payload per line, as the recordings store them. */
async function payloads(file: string): Promise<string[]> {
  const text = await Bun.file(new URL(file, FIXTURES)).text();
  return text.split("\n").filter((line) => line.trim() !== "");
}

/** The body as each wire shape streams it. */
function framed(shape: WireShape, lines: string[]): Uint8Array {
  const typeOf = (line: string) => (JSON.parse(line) as { type?: string }).type;
  switch (shape) {
    case "openai":
      return encode(`${lines.map((line) => `data: ${line}\n\n`).join("")}data: [DONE]\n\n`);
    case "anthropic":
    case "cohere":
      return encode(lines.map((line) => `event: ${typeOf(line)}\ndata: ${line}\n\n`).join(""));
    case "google":
      return encode(lines.map((line) => `data: ${line}\r\n\r\n`).join(""));
    case "bedrock":
      return Buffer.concat(
        lines.map((line) => {
          const [eventType, payload] = Object.entries(JSON.parse(line))[0] as [string, unknown];
          return eventFrame(eventType, payload);
        }),
      );
  }
}

const encode = (text: string) => new TextEncoder().encode(text);

/** What the adapter reads as the answer's usage; for streams, usage events merged in order. */
async function usageOf(vendor: string, file: string): Promise<CanonicalUsage> {
  const adapter = adapterFor(vendor);
  if (!adapter) throw new Error(`no adapter for ${vendor}`);
  if (file.endsWith(".json")) {
    return adapter.parseResponse(await Bun.file(new URL(file, FIXTURES)).json()).value.usage;
  }
  const bytes = framed(adapter.shape, await payloads(file));
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(bytes);
      controller.close();
    },
  });
  let merged = emptyUsage();
  for await (const event of adapter.parseStream(body)) {
    if (event.type === "usage") merged = { ...merged, ...event.usage };
  }
  return merged;
}

describe("cost of recorded answers, per vendor", () => {
  for (const entry of CASES) {
    test(`${entry.vendor}: ${entry.file.split("/").at(-1)} (${entry.model})`, async () => {
      const info = lookupModel(entry.vendor, entry.model);
      expect(info.known).toBe(!entry.unknown);
      const read = await usageOf(entry.vendor, entry.file);
      expect(read).toEqual(entry.usage);
      expect(roundUsd(costUsd(read, info.price))).toBe(entry.usd);
    });
  }

  test("recordings (not only hand-written fixtures) cover cache reads, writes and reasoning", () => {
    const recorded = CASES.filter((entry) => entry.file.startsWith("provider-recordings/"));
    expect(recorded.some((entry) => entry.usage.cacheReadTokens > 0)).toBe(true);
    expect(recorded.some((entry) => entry.usage.cacheWriteTokens > 0)).toBe(true);
    expect(recorded.some((entry) => entry.usage.reasoningTokens > 0)).toBe(true);
    const streamed = new Set(
      recorded.filter((entry) => entry.file.endsWith(".chunks.txt")).map((entry) => entry.vendor),
    );
    // Every vendor with a recorded stream has its final usage chunk read, in its own shape.
    expect([...streamed].sort()).toEqual([
      "anthropic",
      "azure",
      "bedrock",
      "cohere",
      "deepseek",
      "google",
      "groq",
      "mistral",
      "openai",
      "xai",
    ]);
  });
});
