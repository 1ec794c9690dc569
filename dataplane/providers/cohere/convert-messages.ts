// Canonical system and messages → Chat v2 messages and request-level documents. Cohere has no
// vision, so images are dropped with a warning; text documents move to the request's
// `documents` (Cohere's way of grounding an answer), others are dropped with a warning. Tool
// results become `tool` messages ahead of the user's own text, as Cohere expects them right
// after the assistant turn that called the tools.
import type {
  AssistantContent,
  CanonicalMessage,
  DocumentContent,
  ToolResultContent,
  UserContent,
} from "#shared/canonical/content.ts";
import type { SystemBlock } from "#shared/canonical/request.ts";
import { signatureFor } from "#shared/canonical/signatures.ts";
import type { ConversionWarning, Converted } from "#shared/canonical/warnings.ts";
import type {
  CohereDocument,
  CohereMessage,
  CohereTextPart,
  CohereThinkingPart,
  CohereToolCall,
} from "./wire-request.ts";

const TARGET = "Cohere";

export interface CohereConversation {
  messages: CohereMessage[];
  documents: CohereDocument[];
}

export function convertMessages(
  system: SystemBlock[],
  messages: CanonicalMessage[],
): Converted<CohereConversation> {
  const warnings: ConversionWarning[] = [];
  const conversation: CohereConversation = { messages: [], documents: [] };
  const systemParts = system.filter((block) => block.text !== "");
  if (systemParts.length === 1) {
    conversation.messages.push({ role: "system", content: systemParts[0]?.text ?? "" });
  } else if (systemParts.length > 1) {
    const content = systemParts.map(({ text }): CohereTextPart => ({ type: "text", text }));
    conversation.messages.push({ role: "system", content });
  }
  for (const message of messages) {
    if (message.role === "user") pushUser(message.content, conversation, warnings);
    else pushAssistant(message.content, conversation, warnings);
  }
  return { value: conversation, warnings };
}

function pushUser(
  content: UserContent[],
  conversation: CohereConversation,
  warnings: ConversionWarning[],
): void {
  const parts: CohereTextPart[] = [];
  for (const block of content) {
    switch (block.type) {
      case "text":
        parts.push({ type: "text", text: block.text });
        break;
      case "image":
        warnings.push(unsupportedContent("image", "Cohere has no vision; the image was dropped"));
        break;
      case "document": {
        const document = toCohereDocument(block);
        if (document) conversation.documents.push(document);
        else warnings.push(unsupportedContent("document", documentProblem(block)));
        break;
      }
      case "tool-result":
        conversation.messages.push(toolMessage(block, warnings));
        break;
    }
  }
  // A turn that only carried tool results or dropped content adds no user message: Cohere
  // refuses empty content.
  if (parts.length === 0) return;
  const only = parts.length === 1 ? parts[0] : undefined;
  conversation.messages.push({ role: "user", content: only ? only.text : parts });
}

function pushAssistant(
  content: AssistantContent[],
  conversation: CohereConversation,
  warnings: ConversionWarning[],
): void {
  const parts: Array<CohereTextPart | CohereThinkingPart> = [];
  const toolCalls: CohereToolCall[] = [];
  for (const block of content) {
    switch (block.type) {
      case "text":
        signatureFor(block, undefined, TARGET, warnings);
        if (block.text !== "") parts.push({ type: "text", text: block.text });
        break;
      case "thinking":
        // Cohere takes earlier thinking back as a thinking part; it has no signatures to keep.
        signatureFor(block, undefined, TARGET, warnings, "the thinking is sent unsigned");
        if (block.text !== "") parts.push({ type: "thinking", thinking: block.text });
        break;
      case "redacted-thinking":
        warnings.push(
          unsupportedContent("redacted-thinking", "Cohere cannot take redacted thinking back"),
        );
        break;
      case "tool-use":
        signatureFor(block, undefined, TARGET, warnings);
        toolCalls.push({
          id: block.id,
          type: "function",
          function: { name: block.name, arguments: argumentsJson(block.input) },
        });
        break;
    }
  }
  if (parts.length === 0 && toolCalls.length === 0) return;
  const message: Extract<CohereMessage, { role: "assistant" }> = { role: "assistant" };
  if (parts.length > 0) message.content = parts;
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  conversation.messages.push(message);
}

function toolMessage(block: ToolResultContent, warnings: ConversionWarning[]): CohereMessage {
  const texts: string[] = [];
  for (const part of block.content) {
    if (part.type === "text") texts.push(part.text);
    else {
      warnings.push(
        unsupportedContent("tool-result.image", "Cohere has no vision; the image was dropped"),
      );
    }
  }
  if (block.isError) {
    warnings.push({
      type: "lossy-conversion",
      subject: "tool-result.is_error",
      message: "Cohere tool messages have no error flag; the result was sent as a plain result",
    });
  }
  return { role: "tool", tool_call_id: block.toolUseId, content: texts.join("\n") };
}

/** The arguments as the JSON string Cohere wants; a string kept verbatim goes back as it was. */
function argumentsJson(input: unknown): string {
  if (typeof input === "string") return input;
  return JSON.stringify(input ?? {});
}

const TEXT_MEDIA_TYPE = /^(text\/[\w.+-]+|application\/(json|xml|[\w.+-]+\+(json|xml)))$/i;

/** Inline text documents only: Cohere does not fetch URLs or read PDFs or uploaded files. */
function toCohereDocument(block: DocumentContent): CohereDocument | undefined {
  const { source } = block;
  if (source.kind !== "base64" || !TEXT_MEDIA_TYPE.test(source.mediaType)) return undefined;
  const data: Record<string, string> = { text: Buffer.from(source.data, "base64").toString() };
  if (block.title) data.title = block.title;
  return { data };
}

function documentProblem(block: DocumentContent): string {
  const { source } = block;
  const what =
    source.kind === "base64"
      ? `a ${source.mediaType} document`
      : source.kind === "url"
        ? "a document by URL"
        : "an uploaded file";
  return `${TARGET} documents are inline text only; ${what} was dropped`;
}

function unsupportedContent(subject: string, message: string): ConversionWarning {
  return { type: "unsupported-content", subject, message };
}
