// Content blocks of the canonical model (DESIGN §4): the union two surfaces and six vendors need.
// Converters map each vendor's shape to and from these; what a target cannot carry is dropped
// with a warning, never a failure.

/** Anthropic-style prompt-cache breakpoint; upstreams without explicit caching ignore it. */
export interface CacheControl {
  type: "ephemeral";
  ttl?: "5m" | "1h";
}

/**
 * Who can verify a block's opaque value (a signature, or redacted thinking's data): a vendor
 * family, not a provider. `claude` is Anthropic's format wherever Claude runs (Anthropic, Claude
 * models on Bedrock); `gemini` Google's thoughtSignature; `openai` and `azure` their encrypted
 * reasoning; `bedrock` the reasoning signatures of Bedrock's other models. Adapters send a value
 * back only to the family that made it (docs/capabilities.md, "Thinking signatures").
 */
export type SignatureOrigin = "claude" | "gemini" | "openai" | "azure" | "bedrock";

export const SIGNATURE_ORIGINS: readonly SignatureOrigin[] = [
  "claude",
  "gemini",
  "openai",
  "azure",
  "bedrock",
];

export type MediaSource =
  | { kind: "url"; url: string }
  | { kind: "base64"; mediaType: string; data: string }
  | { kind: "file"; fileId: string };

export interface TextContent {
  type: "text";
  text: string;
  cacheControl?: CacheControl;
  /** Opaque token some vendors attach to parts and require back verbatim (Gemini thoughtSignature). */
  signature?: string;
  /** Who made `signature`; a signature without one is sent nowhere. */
  origin?: SignatureOrigin;
}

export interface ImageContent {
  type: "image";
  source: MediaSource;
  /** OpenAI's `detail`; others ignore it. */
  detail?: "auto" | "low" | "high";
  cacheControl?: CacheControl;
}

export interface DocumentContent {
  type: "document";
  source: MediaSource;
  title?: string;
  cacheControl?: CacheControl;
}

export interface ToolUseContent {
  type: "tool-use";
  id: string;
  name: string;
  /** Parsed JSON arguments (an object for every vendor we know). */
  input: unknown;
  cacheControl?: CacheControl;
  /** Opaque token to send back with this call (Gemini thoughtSignature on functionCall parts). */
  signature?: string;
  /** Who made `signature`; a signature without one is sent nowhere. */
  origin?: SignatureOrigin;
}

export interface ToolResultContent {
  type: "tool-result";
  toolUseId: string;
  /** Tool name when the wire format carries it (Gemini needs it, Anthropic does not send it). */
  toolName?: string;
  content: Array<TextContent | ImageContent>;
  isError?: boolean;
  cacheControl?: CacheControl;
}

export interface ThinkingContent {
  type: "thinking";
  text: string;
  /** Anthropic's signature (or Gemini's thoughtSignature); must round-trip byte for byte. */
  signature?: string;
  /** Who made `signature`; a signature without one is sent nowhere. */
  origin?: SignatureOrigin;
}

export interface RedactedThinkingContent {
  type: "redacted-thinking";
  /** Encrypted reasoning only its maker can read. */
  data: string;
  /** Who made `data`; without one it is sent nowhere. */
  origin?: SignatureOrigin;
}

export type UserContent = TextContent | ImageContent | DocumentContent | ToolResultContent;
export type AssistantContent =
  | TextContent
  | ToolUseContent
  | ThinkingContent
  | RedactedThinkingContent;
export type CanonicalContent = UserContent | AssistantContent;

export type CanonicalMessage =
  | { role: "user"; content: UserContent[] }
  | { role: "assistant"; content: AssistantContent[] };
