// What routing reads about a request (DESIGN §6: `request` of custom_rules, the needs of
// cost_optimized), computed once per request from the canonical form.
import type { CanonicalRequest } from "#shared/canonical/request.ts";

export interface RequestFeatures {
  /** Estimated input tokens: about four characters per token over the text a model reads. */
  inputTokens: number;
  hasTools: boolean;
  hasImages: boolean;
  /** The request asks for JSON output (`response_format` json or json-schema). */
  wantsJson: boolean;
  stream: boolean;
  maxTokens: number | null;
  temperature: number | null;
}

/** Flat cost of one image or document in the estimate, as in token counting. */
const MEDIA_TOKENS = 1_600;

export function requestFeatures(request: CanonicalRequest): RequestFeatures {
  let characters = 0;
  let mediaTokens = 0;
  let hasImages = false;
  for (const block of request.system) characters += block.text.length;
  for (const message of request.messages) {
    for (const block of message.content) {
      switch (block.type) {
        case "text":
        case "thinking":
          characters += block.text.length;
          break;
        case "image":
          hasImages = true;
          mediaTokens += MEDIA_TOKENS;
          break;
        case "document":
          mediaTokens += MEDIA_TOKENS;
          break;
        case "tool-use":
          characters += block.name.length + JSON.stringify(block.input ?? null).length;
          break;
        case "tool-result":
          for (const part of block.content) {
            if (part.type === "text") characters += part.text.length;
            else {
              hasImages = true;
              mediaTokens += MEDIA_TOKENS;
            }
          }
          break;
        default:
          break;
      }
    }
  }
  for (const tool of request.tools) {
    characters += tool.name.length + (tool.description?.length ?? 0);
    characters += JSON.stringify(tool.inputSchema).length;
  }
  const format = request.responseFormat?.type;
  return {
    inputTokens: Math.max(1, Math.ceil(characters / 4) + mediaTokens),
    hasTools: request.tools.length > 0,
    hasImages,
    wantsJson: format === "json" || format === "json-schema",
    stream: request.stream,
    maxTokens: request.maxTokens ?? null,
    temperature: request.temperature ?? null,
  };
}

/** For endpoints without a canonical request (embeddings, token counting). */
export function featuresOfBody(body: Record<string, unknown>): RequestFeatures {
  const text = JSON.stringify(body.input ?? body.messages ?? "");
  return {
    inputTokens: Math.max(1, Math.ceil(text.length / 4)),
    hasTools: false,
    hasImages: false,
    wantsJson: false,
    stream: false,
    maxTokens: null,
    temperature: null,
  };
}
