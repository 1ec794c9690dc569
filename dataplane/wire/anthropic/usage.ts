// Anthropic usage ↔ canonical. Anthropic's `input_tokens` excludes cache reads and writes; the
// canonical count includes them. Streams send running totals (message_start, then
// message_delta), and a count present in a later event replaces the earlier one.
// Anthropic does not count thinking apart from output_tokens (unless a future
// output_tokens_details.thinking_tokens does): the reasoning count is then estimated from the
// thinking text at four characters a token, as the gateway's other token estimates, and never
// exceeds output_tokens (it is a part of them, so cost is not counted twice).
import type { CanonicalUsage } from "#shared/canonical/response.ts";
import { estimatedReasoningTokens } from "../reasoning-estimate.ts";

export class AnthropicUsage {
  private input = 0;
  private cacheRead = 0;
  private cacheWrite = 0;
  private output = 0;
  private reasoning: number | undefined;
  private thinkingCharacters = 0;

  /** Thinking text returned or streamed, for the estimate when no count is reported. */
  addThinking(text: string): void {
    this.thinkingCharacters += text.length;
  }

  /** Takes the counts `raw` has; returns whether it had any. */
  update(raw: unknown): boolean {
    if (typeof raw !== "object" || raw === null) return false;
    const usage = raw as Record<string, unknown>;
    let found = false;
    const read = (key: string): number | undefined => {
      const value = usage[key];
      if (typeof value !== "number" || !Number.isFinite(value) || value < 0) return undefined;
      found = true;
      return value;
    };
    this.input = read("input_tokens") ?? this.input;
    this.cacheRead = read("cache_read_input_tokens") ?? this.cacheRead;
    this.cacheWrite = read("cache_creation_input_tokens") ?? this.cacheWrite;
    this.output = read("output_tokens") ?? this.output;
    const details = usage.output_tokens_details;
    if (typeof details === "object" && details !== null) {
      const thinking = (details as Record<string, unknown>).thinking_tokens;
      if (typeof thinking === "number" && Number.isFinite(thinking) && thinking >= 0) {
        this.reasoning = thinking;
      }
    }
    return found;
  }

  /** What is known before the answer: the prompt's side. */
  inputSide(): Partial<CanonicalUsage> {
    return {
      inputTokens: this.input + this.cacheRead + this.cacheWrite,
      cacheReadTokens: this.cacheRead,
      cacheWriteTokens: this.cacheWrite,
    };
  }

  toCanonical(): CanonicalUsage {
    return {
      inputTokens: this.input + this.cacheRead + this.cacheWrite,
      outputTokens: this.output,
      cacheReadTokens: this.cacheRead,
      cacheWriteTokens: this.cacheWrite,
      reasoningTokens: this.reasoningTokens(),
    };
  }

  private reasoningTokens(): number {
    if (this.reasoning !== undefined) return Math.min(this.reasoning, this.output);
    return estimatedReasoningTokens(this.thinkingCharacters, this.output);
  }
}

/** `thinking`: the text of the answer's thinking blocks, for the reasoning estimate. */
export function convertAnthropicUsage(
  raw: unknown,
  thinking: readonly string[] = [],
): CanonicalUsage {
  const usage = new AnthropicUsage();
  usage.update(raw);
  for (const text of thinking) usage.addThinking(text);
  return usage.toCanonical();
}

/** Canonical input counts include the cache; Anthropic's `input_tokens` does not. */
export function toAnthropicUsage(usage: CanonicalUsage): Record<string, number> {
  return {
    input_tokens: Math.max(0, usage.inputTokens - usage.cacheReadTokens - usage.cacheWriteTokens),
    cache_creation_input_tokens: usage.cacheWriteTokens,
    cache_read_input_tokens: usage.cacheReadTokens,
    output_tokens: usage.outputTokens,
  };
}
