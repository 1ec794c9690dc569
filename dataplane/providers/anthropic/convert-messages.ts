// Canonical messages → Anthropic `messages`. Consecutive messages of one role are merged (the API
// wants turns to alternate) and tool results lead their user turn (the API wants them right
// after the tool calls). Thinking blocks go back with their signature byte for byte when Claude
// made it; another family's signature (and the thinking it signs) cannot go to Claude.
import type {
  AssistantContent,
  CacheControl,
  CanonicalMessage,
  DocumentContent,
  ImageContent,
  UserContent,
} from "#shared/canonical/content.ts";
import { foreignSignature, isOwnSignature, signatureFor } from "#shared/canonical/signatures.ts";
import type { ConversionWarning } from "#shared/canonical/warnings.ts";

const TARGET = "anthropic";

export type AnthropicBlock = Record<string, unknown>;

export interface AnthropicMessageParam {
  role: "user" | "assistant";
  content: AnthropicBlock[];
}

const IMAGE_TYPES = new Set(["image/jpeg", "image/png", "image/gif", "image/webp"]);

export function convertToAnthropicMessages(
  messages: CanonicalMessage[],
  warnings: ConversionWarning[],
): AnthropicMessageParam[] {
  const converted: AnthropicMessageParam[] = [];
  messages.forEach((message, position) => {
    const path = `messages[${position}]`;
    const content =
      message.role === "user"
        ? message.content.flatMap((block, index) =>
            userBlock(block, `${path}.content[${index}]`, warnings),
          )
        : message.content.flatMap((block, index) =>
            assistantBlock(block, `${path}.content[${index}]`, warnings),
          );
    if (content.length === 0) {
      // Anthropic rejects empty turns; an empty one says nothing anyway.
      if (message.content.length > 0) warnings.push(lossy(path, "nothing left to send; dropped"));
      return;
    }
    const previous = converted[converted.length - 1];
    if (previous?.role === message.role) previous.content.push(...content);
    else converted.push({ role: message.role, content });
  });
  for (const message of converted) {
    if (message.role === "user") toolResultsFirst(message.content);
  }
  return converted;
}

function userBlock(
  block: UserContent,
  path: string,
  warnings: ConversionWarning[],
): AnthropicBlock[] {
  switch (block.type) {
    case "text":
      return textBlock(block.text, block.cacheControl);
    case "image":
      return imageBlock(block, path, warnings);
    case "document":
      return documentBlock(block, path, warnings);
    case "tool-result": {
      const content = block.content.flatMap((part, index) =>
        part.type === "text"
          ? textBlock(part.text)
          : imageBlock(part, `${path}.content[${index}]`, warnings),
      );
      const result: AnthropicBlock = { type: "tool_result", tool_use_id: block.toolUseId };
      if (content.length > 0) result.content = content;
      if (block.isError) result.is_error = true;
      return [withCache(result, block.cacheControl)];
    }
  }
}

function assistantBlock(
  block: AssistantContent,
  path: string,
  warnings: ConversionWarning[],
): AnthropicBlock[] {
  switch (block.type) {
    case "text":
      signatureFor(block, undefined, TARGET, warnings);
      return textBlock(block.text, block.cacheControl);
    case "tool-use": {
      signatureFor(block, undefined, TARGET, warnings);
      let input = block.input;
      if (input === null || typeof input !== "object" || Array.isArray(input)) {
        warnings.push(lossy(`${path}.input`, "tool input is not a JSON object; sent as {}"));
        input = {};
      }
      const call = { type: "tool_use", id: block.id, name: block.name, input };
      return [withCache(call, block.cacheControl)];
    }
    case "thinking": {
      // Anthropic verifies the signature: thinking without Claude's cannot go back.
      if (!block.signature) {
        warnings.push({
          type: "unsupported-content",
          subject: path,
          message: `${path}: thinking without an Anthropic signature; dropped`,
        });
        return [];
      }
      const signature = signatureFor(block, "claude", TARGET, warnings, "the thinking is dropped");
      if (signature === undefined) return [];
      return [{ type: "thinking", thinking: block.text, signature }];
    }
    case "redacted-thinking":
      if (!isOwnSignature(block.origin, "claude")) {
        warnings.push(foreignSignature(block.type, block.origin, TARGET, "dropped"));
        return [];
      }
      return [{ type: "redacted_thinking", data: block.data }];
  }
}

/** Anthropic rejects text blocks that are empty or whitespace only; they carry nothing. */
function textBlock(text: string, cacheControl?: CacheControl): AnthropicBlock[] {
  if (text.trim() === "") return [];
  return [withCache({ type: "text", text }, cacheControl)];
}

function imageBlock(
  block: ImageContent,
  path: string,
  warnings: ConversionWarning[],
): AnthropicBlock[] {
  const source = mediaSource(block.source);
  if (source.type === "base64" && !IMAGE_TYPES.has(String(source.media_type))) {
    warnings.push({
      type: "unsupported-content",
      subject: path,
      message: `${path}: images of type ${source.media_type} are not supported by anthropic; dropped`,
    });
    return [];
  }
  return [withCache({ type: "image", source }, block.cacheControl)];
}

function documentBlock(
  block: DocumentContent,
  path: string,
  warnings: ConversionWarning[],
): AnthropicBlock[] {
  let source = mediaSource(block.source);
  if (source.type === "base64" && source.media_type !== "application/pdf") {
    const mediaType = String(source.media_type);
    if (!mediaType.startsWith("text/")) {
      warnings.push({
        type: "unsupported-content",
        subject: path,
        message: `${path}: documents of type ${mediaType} are not supported by anthropic; dropped`,
      });
      return [];
    }
    // Plain-text documents travel as text, not base64.
    const text = Buffer.from(String(source.data), "base64").toString("utf8");
    source = { type: "text", media_type: "text/plain", data: text };
  }
  const document: AnthropicBlock = { type: "document", source };
  if (block.title) document.title = block.title;
  return [withCache(document, block.cacheControl)];
}

/** A canonical media source as Anthropic's; `data:` URLs become base64 sources. */
function mediaSource(source: ImageContent["source"]): Record<string, string> {
  if (source.kind === "base64") {
    return { type: "base64", media_type: source.mediaType, data: source.data };
  }
  if (source.kind === "file") return { type: "file", file_id: source.fileId };
  const dataUrl = /^data:([^;,]+)(?:;[^;,]*)*;base64,/.exec(source.url);
  if (dataUrl?.[1]) {
    const data = source.url.slice(dataUrl[0].length);
    return { type: "base64", media_type: dataUrl[1], data };
  }
  return { type: "url", url: source.url };
}

function withCache(block: AnthropicBlock, cacheControl: CacheControl | undefined): AnthropicBlock {
  if (cacheControl) block.cache_control = anthropicCacheControl(cacheControl);
  return block;
}

export function anthropicCacheControl(cacheControl: CacheControl): Record<string, string> {
  return cacheControl.ttl
    ? { type: cacheControl.type, ttl: cacheControl.ttl }
    : { type: cacheControl.type };
}

/** Stable: tool results keep their order, and so does everything after them. */
function toolResultsFirst(content: AnthropicBlock[]): void {
  const results = content.filter((block) => block.type === "tool_result");
  if (results.length === 0 || results.length === content.length) return;
  const others = content.filter((block) => block.type !== "tool_result");
  content.splice(0, content.length, ...results, ...others);
}

function lossy(subject: string, problem: string): ConversionWarning {
  return { type: "lossy-conversion", subject, message: `${subject}: ${problem}` };
}
