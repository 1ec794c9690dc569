// The canonical request: what a surface parses a client's body into and an adapter builds a
// vendor's body from.
import type { CacheControl, CanonicalMessage } from "./content.ts";

export interface CanonicalTool {
  name: string;
  description?: string;
  /** JSON Schema of the arguments object. */
  inputSchema: Record<string, unknown>;
  /** OpenAI's `strict` for function tools. */
  strict?: boolean;
  cacheControl?: CacheControl;
}

export type ToolChoice =
  | { type: "auto"; parallel?: boolean }
  | { type: "none" }
  | { type: "required"; parallel?: boolean }
  | { type: "tool"; name: string };

export type ResponseFormat =
  | { type: "text" }
  | { type: "json" }
  | {
      type: "json-schema";
      name: string;
      schema: Record<string, unknown>;
      strict?: boolean;
      description?: string;
    };

export interface SystemBlock {
  text: string;
  cacheControl?: CacheControl;
}

export interface CanonicalRequest {
  /** The model the upstream is asked for (after routing). */
  model: string;
  system: SystemBlock[];
  messages: CanonicalMessage[];
  tools: CanonicalTool[];
  toolChoice?: ToolChoice;
  maxTokens?: number;
  temperature?: number;
  topP?: number;
  topK?: number;
  stopSequences?: string[];
  presencePenalty?: number;
  frequencyPenalty?: number;
  responseFormat?: ResponseFormat;
  /** Extended thinking / reasoning. `budgetTokens` for vendors with budgets, `effort` for OpenAI. */
  thinking?: {
    enabled: boolean;
    budgetTokens?: number;
    effort?: "minimal" | "low" | "medium" | "high";
  };
  stream: boolean;
  /** End user id for abuse tracking (OpenAI `user`, Anthropic `metadata.user_id`). */
  user?: string;
  /**
   * Fields only OpenAI-family upstreams understand (`seed`, `logprobs`, `top_logprobs`,
   * `parallel_tool_calls`, `response_format` as sent, `n`, …), kept verbatim. OpenAI-family
   * adapters copy them byte-identical; the others drop them with a warning naming each.
   */
  openAiOnly: Record<string, unknown>;
  /** Headers the vendor wants forwarded verbatim (anthropic-beta, anthropic-version). */
  forwardHeaders: Record<string, string>;
}
