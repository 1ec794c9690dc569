// Canonical messages → Converse messages. Converse wants user and assistant turns to alternate,
// so consecutive messages of one role are merged; a cache_control marker becomes a cachePoint
// block right after the block it marks. Reasoning goes back signed only to the family that signed
// it (model-family.ts): Claude verifies its thinking, so unsigned or foreign thinking is dropped
// for Claude and sent unsigned to the other models.
import type {
  AssistantContent,
  CanonicalMessage,
  ImageContent,
  SignatureOrigin,
  TextContent,
  ThinkingContent,
  UserContent,
} from "#shared/canonical/content.ts";
import { foreignSignature, isOwnSignature, signatureFor } from "#shared/canonical/signatures.ts";
import type { ConversionWarning, Converted } from "#shared/canonical/warnings.ts";
import type { ContentBlock, Message, ToolResultPart } from "./converse-types.ts";
import { cachePoint, documentBlock, imageBlock } from "./convert-media.ts";
import { bedrockSignatureOrigin } from "./model-family.ts";

const TARGET = "bedrock";

export function convertMessages(
  messages: CanonicalMessage[],
  model?: string,
): Converted<Message[]> {
  const accepts = bedrockSignatureOrigin(model);
  const warnings: ConversionWarning[] = [];
  const documentNames = new Set<string>();
  const converted: Message[] = [];
  for (const message of messages) {
    const content: ContentBlock[] = [];
    for (const part of message.content) {
      content.push(...convertPart(part, accepts, documentNames, warnings));
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
  accepts: SignatureOrigin,
  documentNames: Set<string>,
  warnings: ConversionWarning[],
): ContentBlock[] {
  switch (part.type) {
    case "text":
      if (part.signature !== undefined) signatureFor(part, undefined, TARGET, warnings);
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
      if (part.signature !== undefined) signatureFor(part, undefined, TARGET, warnings);
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
      return thinkingBlock(part, accepts, warnings);
    case "redacted-thinking":
      if (!isOwnSignature(part.origin, accepts)) {
        warnings.push(
          foreignSignature(part.type, part.origin, `${TARGET} (${accepts})`, "dropped"),
        );
        return [];
      }
      return [{ reasoningContent: { redactedContent: part.data } }];
  }
}

function thinkingBlock(
  part: ThinkingContent,
  accepts: SignatureOrigin,
  warnings: ConversionWarning[],
): ContentBlock[] {
  const verified = accepts === "claude";
  const consequence = verified ? "the thinking is dropped" : "the thinking is sent unsigned";
  const signature = signatureFor(part, accepts, `${TARGET} (${accepts})`, warnings, consequence);
  if (signature !== undefined) {
    return [{ reasoningContent: { reasoningText: { text: part.text, signature } } }];
  }
  if (verified) {
    // Claude refuses thinking it did not sign; the warning for a foreign one is already out.
    if (!part.signature) {
      warnings.push({
        type: "unsupported-content",
        subject: "thinking",
        message: "thinking without a Claude signature cannot go to Claude on Bedrock; dropped",
      });
    }
    return [];
  }
  return [{ reasoningContent: { reasoningText: { text: part.text } } }];
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
