// Canonical messages → Converse messages. Converse wants user and assistant turns to alternate,
// so consecutive messages of one role are merged; a cache_control marker becomes a cachePoint
// block right after the block it marks.
import type {
  AssistantContent,
  CanonicalMessage,
  ImageContent,
  TextContent,
  UserContent,
} from "#shared/canonical/content.ts";
import type { ConversionWarning, Converted } from "#shared/canonical/warnings.ts";
import type { ContentBlock, Message, ToolResultPart } from "./converse-types.ts";
import { cachePoint, documentBlock, imageBlock } from "./convert-media.ts";

export function convertMessages(messages: CanonicalMessage[]): Converted<Message[]> {
  const warnings: ConversionWarning[] = [];
  const documentNames = new Set<string>();
  const converted: Message[] = [];
  for (const message of messages) {
    const content: ContentBlock[] = [];
    for (const part of message.content) {
      content.push(...convertPart(part, documentNames, warnings));
    }
    if (content.length === 0) continue;
    const previous = converted.at(-1);
    if (previous?.role === message.role) previous.content.push(...content);
    else converted.push({ role: message.role, content });
  }
  return { value: converted, warnings };
}

function convertPart(
  part: UserContent | AssistantContent,
  documentNames: Set<string>,
  warnings: ConversionWarning[],
): ContentBlock[] {
  switch (part.type) {
    case "text":
      // Converse refuses blank text blocks ("The text field in the ContentBlock object is blank").
      if (part.text.trim() === "") return [];
      return [{ text: part.text }, ...cachePoint(part.cacheControl)];
    case "image": {
      const image = imageBlock(part.source, "image");
      if ("warning" in image) {
        warnings.push(image.warning);
        return [];
      }
      return [image.block, ...cachePoint(part.cacheControl)];
    }
    case "document": {
      const document = documentBlock(part.source, part.title, documentNames);
      if ("warning" in document) {
        warnings.push(document.warning);
        return [];
      }
      return [document.block, ...cachePoint(part.cacheControl)];
    }
    case "tool-use":
      return [
        { toolUse: { toolUseId: part.id, name: part.name, input: part.input ?? {} } },
        ...cachePoint(part.cacheControl),
      ];
    case "tool-result":
      return [
        {
          toolResult: {
            toolUseId: part.toolUseId,
            content: toolResultContent(part.content, warnings),
            ...(part.isError ? { status: "error" as const } : {}),
          },
        },
        ...cachePoint(part.cacheControl),
      ];
    case "thinking":
      return [
        {
          reasoningContent: {
            reasoningText:
              part.signature === undefined
                ? { text: part.text }
                : { text: part.text, signature: part.signature },
          },
        },
      ];
    case "redacted-thinking":
      return [{ reasoningContent: { redactedContent: part.data } }];
  }
}

function toolResultContent(
  content: Array<TextContent | ImageContent>,
  warnings: ConversionWarning[],
): ToolResultPart[] {
  const parts: ToolResultPart[] = [];
  for (const item of content) {
    if (item.type === "text") {
      parts.push({ text: item.text });
      continue;
    }
    const image = imageBlock(item.source, "tool-result.image");
    if ("warning" in image) warnings.push(image.warning);
    else parts.push(image.block);
  }
  // `content` is required; an empty result is sent as empty text rather than left out.
  return parts.length > 0 ? parts : [{ text: "" }];
}
