// Validated Messages content → canonical system blocks and messages. Blocks the canonical model
// has no form for (server tool calls and results, search results, document context, citations)
// are dropped with a warning: the fast path still sends them, translation cannot. A thinking
// signature (or redacted data) is opened to learn who made it: Claude's come bare, the others
// sealed (wire/signature-envelope.ts).
import type {
  AssistantContent,
  CacheControl,
  CanonicalMessage,
  DocumentContent,
  ImageContent,
  TextContent,
  ToolUseContent,
  UserContent,
} from "#shared/canonical/content.ts";
import type { SystemBlock } from "#shared/canonical/request.ts";
import type { ConversionWarning } from "#shared/canonical/warnings.ts";
import {
  isKnownBlock,
  isKnownToolResultPart,
  type KnownBlock,
  type MessagesRequest,
  type RequestBlock,
  type RequestCacheControl,
  type RequestMessage,
} from "../../wire/anthropic/request-schema.ts";
import { openSignature } from "../../wire/signature-envelope.ts";

type ImageBlock = Extract<KnownBlock, { type: "image" }>;
type DocumentBlock = Extract<KnownBlock, { type: "document" }>;

export function convertSystem(system: MessagesRequest["system"]): SystemBlock[] {
  if (system == null) return [];
  if (typeof system === "string") return system === "" ? [] : [{ text: system }];
  return system.map((block) => withCache<SystemBlock>({ text: block.text }, block.cache_control));
}

export function convertMessagesToCanonical(
  input: RequestMessage[],
  system: SystemBlock[],
  warnings: ConversionWarning[],
): CanonicalMessage[] {
  const messages: CanonicalMessage[] = [];
  input.forEach((message, position) => {
    const path = `messages[${position}]`;
    const blocks: RequestBlock[] =
      typeof message.content === "string"
        ? [{ type: "text", text: message.content }]
        : message.content;
    if (message.role === "system") {
      if (messages.length > 0) {
        warnings.push({
          type: "lossy-conversion",
          subject: `${path}.role`,
          message: `${path}: a system message after the conversation started is sent with the system prompt when translated`,
        });
      }
      blocks.forEach((block, index) => {
        if (isKnownBlock(block) && block.type === "text") {
          system.push(withCache<SystemBlock>({ text: block.text }, block.cache_control));
        } else warnings.push(unsupported(`${path}.content[${index}]`, block.type));
      });
      return;
    }
    if (message.role === "user") {
      const content: UserContent[] = [];
      blocks.forEach((block, index) => {
        const converted = userBlock(block, `${path}.content[${index}]`, warnings);
        if (converted) content.push(converted);
      });
      messages.push({ role: "user", content });
    } else {
      const content: AssistantContent[] = [];
      blocks.forEach((block, index) => {
        const converted = assistantBlock(block, `${path}.content[${index}]`, warnings);
        if (converted) content.push(converted);
      });
      messages.push({ role: "assistant", content });
    }
  });
  return messages;
}

function userBlock(
  block: RequestBlock,
  path: string,
  warnings: ConversionWarning[],
): UserContent | undefined {
  if (!isKnownBlock(block)) return drop(warnings, path, block.type);
  switch (block.type) {
    case "text":
      return textContent(block, path, warnings);
    case "image":
      return imageContent(block);
    case "document":
      return documentContent(block, path, warnings);
    case "tool_result": {
      const content: Array<TextContent | ImageContent> = [];
      if (typeof block.content === "string") content.push({ type: "text", text: block.content });
      else {
        block.content?.forEach((part, index) => {
          const partPath = `${path}.content[${index}]`;
          if (!isKnownToolResultPart(part) || part.type === "document") {
            drop(warnings, partPath, part.type);
          } else if (part.type === "text") content.push(textContent(part, partPath, warnings));
          else content.push(imageContent(part));
        });
      }
      const result: UserContent = { type: "tool-result", toolUseId: block.tool_use_id, content };
      if (block.is_error) result.isError = true;
      return withCache(result, block.cache_control);
    }
    default:
      return drop(warnings, path, block.type, "belongs in assistant messages");
  }
}

function assistantBlock(
  block: RequestBlock,
  path: string,
  warnings: ConversionWarning[],
): AssistantContent | undefined {
  if (!isKnownBlock(block)) return drop(warnings, path, block.type);
  switch (block.type) {
    case "text":
      return textContent(block, path, warnings);
    case "tool_use":
      return withCache<ToolUseContent>(
        { type: "tool-use", id: block.id, name: block.name, input: block.input },
        block.cache_control,
      );
    case "thinking": {
      if (block.signature === "") return { type: "thinking", text: block.thinking };
      const { value, origin } = openSignature(block.signature);
      const thinking: AssistantContent = {
        type: "thinking",
        text: block.thinking,
        signature: value,
      };
      if (origin) thinking.origin = origin;
      return thinking;
    }
    case "redacted_thinking": {
      const { value, origin } = openSignature(block.data);
      return origin
        ? { type: "redacted-thinking", data: value, origin }
        : { type: "redacted-thinking", data: value };
    }
    default:
      return drop(warnings, path, block.type, "belongs in user messages");
  }
}

function textContent(
  block: Extract<KnownBlock, { type: "text" }>,
  path: string,
  warnings: ConversionWarning[],
): TextContent {
  if (block.citations?.length) warnings.push(unsupported(`${path}.citations`, "citations"));
  return withCache<TextContent>({ type: "text", text: block.text }, block.cache_control);
}

function imageContent(block: ImageBlock): ImageContent {
  const source = block.source;
  return withCache<ImageContent>(
    {
      type: "image",
      source:
        source.type === "base64"
          ? { kind: "base64", mediaType: source.media_type, data: source.data }
          : source.type === "url"
            ? { kind: "url", url: source.url }
            : { kind: "file", fileId: source.file_id },
    },
    block.cache_control,
  );
}

function documentContent(
  block: DocumentBlock,
  path: string,
  warnings: ConversionWarning[],
): DocumentContent | undefined {
  const source = block.source;
  let document: DocumentContent;
  switch (source.type) {
    case "base64":
      document = {
        type: "document",
        source: { kind: "base64", mediaType: source.media_type, data: source.data },
      };
      break;
    case "text": {
      // Canonical documents are media; plain text travels as base64 text/plain.
      const data = Buffer.from(source.data, "utf8").toString("base64");
      document = { type: "document", source: { kind: "base64", mediaType: "text/plain", data } };
      break;
    }
    case "url":
      document = { type: "document", source: { kind: "url", url: source.url } };
      break;
    case "file":
      document = { type: "document", source: { kind: "file", fileId: source.file_id } };
      break;
    case "content":
      return drop(warnings, `${path}.source`, "content-source document");
  }
  if (block.title != null) document.title = block.title;
  if (block.context != null) warnings.push(unsupported(`${path}.context`, "document context"));
  if (block.citations != null) warnings.push(unsupported(`${path}.citations`, "citations"));
  return withCache(document, block.cache_control);
}

export function withCache<T extends { cacheControl?: CacheControl }>(
  target: T,
  cacheControl: RequestCacheControl | null | undefined,
): T {
  if (cacheControl) {
    target.cacheControl = cacheControl.ttl
      ? { type: "ephemeral", ttl: cacheControl.ttl }
      : { type: "ephemeral" };
  }
  return target;
}

export function unsupported(subject: string, what: string): ConversionWarning {
  return {
    type: "unsupported-field",
    subject,
    message: `${subject}: ${what} has no canonical form; dropped when the request is translated for another upstream`,
  };
}

function drop(
  warnings: ConversionWarning[],
  path: string,
  type: string,
  why = "has no canonical form",
): undefined {
  warnings.push({
    type: "unsupported-content",
    subject: path,
    message: `${path}: a ${type} block ${why}; dropped when the request is translated for another upstream`,
  });
  return undefined;
}
