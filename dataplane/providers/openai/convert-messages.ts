// Canonical system blocks and messages → Chat Completions `messages`. Tool results become `tool`
// messages right after the assistant turn that called them; what the format cannot carry (images
// in tool results, thinking in assistant history) is dropped with a warning.
import type {
  AssistantContent,
  DocumentContent,
  ImageContent,
  MediaSource,
  ToolResultContent,
  UserContent,
} from "#shared/canonical/content.ts";
import type { CanonicalRequest } from "#shared/canonical/request.ts";
import { signatureFor } from "#shared/canonical/signatures.ts";
import type { ConversionWarning, Converted } from "#shared/canonical/warnings.ts";
import type { ChatDialect } from "./capabilities.ts";

export type OpenAiContentPart =
  | { type: "text"; text: string }
  | { type: "image_url"; image_url: { url: string; detail?: "auto" | "low" | "high" } }
  | { type: "file"; file: { file_id?: string; filename?: string; file_data?: string } };

export interface OpenAiToolCall {
  id: string;
  type: "function";
  function: { name: string; arguments: string };
}

export type OpenAiChatMessage =
  | { role: "system" | "developer"; content: string }
  | { role: "user"; content: string | OpenAiContentPart[] }
  | { role: "assistant"; content: string | null; tool_calls?: OpenAiToolCall[] }
  | { role: "tool"; tool_call_id: string; content: string | Array<{ type: "text"; text: string }> };

export function convertToOpenAiMessages(
  request: Pick<CanonicalRequest, "system" | "messages">,
  model: string,
  dialect: ChatDialect,
): Converted<OpenAiChatMessage[]> {
  const warnings: ConversionWarning[] = [];
  const messages: OpenAiChatMessage[] = [];
  const systemRole = dialect.systemRole(model);
  for (const block of request.system) messages.push({ role: systemRole, content: block.text });

  for (const message of request.messages) {
    if (message.role === "user") {
      convertUserMessage(message.content, dialect, messages, warnings);
    } else {
      messages.push(convertAssistantMessage(message.content, dialect, warnings));
    }
  }
  return { value: messages, warnings };
}

function convertUserMessage(
  content: UserContent[],
  dialect: ChatDialect,
  messages: OpenAiChatMessage[],
  warnings: ConversionWarning[],
): void {
  // Tool results answer the preceding assistant turn, so they go first, each as its own message.
  for (const part of content) {
    if (part.type === "tool-result") messages.push(convertToolResult(part, dialect, warnings));
  }
  const parts: OpenAiContentPart[] = [];
  for (const part of content) {
    if (part.type === "text") parts.push({ type: "text", text: part.text });
    else if (part.type === "image") pushImage(part, dialect, parts, warnings);
    else if (part.type === "document") pushDocument(part, dialect, parts, warnings);
  }
  if (parts.length === 0) {
    if (content.length > 0 && content.every((part) => part.type === "tool-result")) return;
    parts.push({ type: "text", text: "" });
  }
  const only = parts[0];
  const single = parts.length === 1 && only?.type === "text";
  messages.push({ role: "user", content: single ? only.text : parts });
}

function convertToolResult(
  result: ToolResultContent,
  dialect: ChatDialect,
  warnings: ConversionWarning[],
): OpenAiChatMessage {
  const texts: Array<{ type: "text"; text: string }> = [];
  for (const part of result.content) {
    if (part.type === "text") texts.push({ type: "text", text: part.text });
    else {
      warnings.push({
        type: "unsupported-content",
        subject: "tool-result.image",
        message: `${dialect.target} tool messages carry text only; an image in a tool result was dropped`,
      });
    }
  }
  if (result.isError) {
    warnings.push({
      type: "lossy-conversion",
      subject: "tool-result.is_error",
      message: `${dialect.target} has no error flag on tool results; the result is sent as plain text`,
    });
  }
  const content = texts.length === 1 && texts[0] ? texts[0].text : texts.length === 0 ? "" : texts;
  return { role: "tool", tool_call_id: result.toolUseId, content };
}

function convertAssistantMessage(
  content: AssistantContent[],
  dialect: ChatDialect,
  warnings: ConversionWarning[],
): OpenAiChatMessage {
  let text = "";
  let hasText = false;
  const toolCalls: OpenAiToolCall[] = [];
  for (const part of content) {
    if (part.type === "text") {
      signatureFor(part, undefined, dialect.target, warnings);
      text += part.text;
      hasText = true;
    } else if (part.type === "tool-use") {
      signatureFor(part, undefined, dialect.target, warnings);
      const input = typeof part.input === "string" ? part.input : JSON.stringify(part.input ?? {});
      toolCalls.push({
        id: part.id,
        type: "function",
        function: { name: part.name, arguments: input },
      });
    } else {
      warnings.push({
        type: "unsupported-content",
        subject: `assistant.${part.type}`,
        message: `${dialect.target} does not take ${part.type} blocks in assistant history; dropped`,
      });
    }
  }
  if (toolCalls.length === 0) return { role: "assistant", content: text };
  return { role: "assistant", content: hasText ? text : null, tool_calls: toolCalls };
}

function pushImage(
  image: ImageContent,
  dialect: ChatDialect,
  parts: OpenAiContentPart[],
  warnings: ConversionWarning[],
): void {
  if (!dialect.capabilities.vision) {
    warnings.push({
      type: "unsupported-content",
      subject: "image",
      message: `${dialect.target} does not take images; an image was dropped`,
    });
    return;
  }
  const url = mediaUrl(image.source);
  if (url === undefined) {
    warnings.push({
      type: "unsupported-content",
      subject: "image.file",
      message: `${dialect.target} Chat Completions takes images by URL or data URL, not by file id; dropped`,
    });
    return;
  }
  const imageUrl: { url: string; detail?: "auto" | "low" | "high" } = { url };
  if (image.detail) imageUrl.detail = image.detail;
  parts.push({ type: "image_url", image_url: imageUrl });
}

function pushDocument(
  document: DocumentContent,
  dialect: ChatDialect,
  parts: OpenAiContentPart[],
  warnings: ConversionWarning[],
): void {
  const source = document.source;
  if (!dialect.capabilities.documents || source.kind === "url") {
    const why = dialect.capabilities.documents ? "documents by URL" : "documents";
    warnings.push({
      type: "unsupported-content",
      subject: "document",
      message: `${dialect.target} does not take ${why}; a document was dropped`,
    });
    return;
  }
  if (source.kind === "file") {
    parts.push({ type: "file", file: { file_id: source.fileId } });
    return;
  }
  const filename =
    document.title ?? (source.mediaType === "application/pdf" ? "document.pdf" : "document");
  parts.push({
    type: "file",
    file: { filename, file_data: `data:${source.mediaType};base64,${source.data}` },
  });
}

function mediaUrl(source: MediaSource): string | undefined {
  if (source.kind === "url") return source.url;
  if (source.kind === "base64") return `data:${source.mediaType};base64,${source.data}`;
  return undefined;
}
