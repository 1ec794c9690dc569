// Validated Chat Completions messages → canonical system blocks and messages. `tool` messages
// become tool-result blocks in a user message (one per run, with a user message right after them
// joined in), as Anthropic-shaped upstreams require.
import type {
  AssistantContent,
  CanonicalMessage,
  MediaSource,
  UserContent,
} from "#shared/canonical/content.ts";
import type { SystemBlock } from "#shared/canonical/request.ts";
import type { ConversionWarning } from "#shared/canonical/warnings.ts";
import type { ChatMessage } from "../../wire/openai/request-schema.ts";
import { signed, thinkingContent } from "./reasoning-fields.ts";

type UserMessage = Extract<ChatMessage, { role: "user" }>;
type AssistantMessage = Extract<ChatMessage, { role: "assistant" }>;

export interface CanonicalConversation {
  system: SystemBlock[];
  messages: CanonicalMessage[];
}

export function convertMessagesToCanonical(
  input: ChatMessage[],
  warnings: ConversionWarning[],
): CanonicalConversation {
  const system: SystemBlock[] = [];
  const messages: CanonicalMessage[] = [];
  // Tool names by call id, made at the first assistant message (most requests have none).
  let toolNames: Map<string, string> | null = null;
  let afterTool = false;

  // A plain loop and the message's path made only where a warning needs it: no closure or
  // string per message on the common path (issue 20).
  for (let position = 0; position < input.length; position++) {
    const message = input[position] as ChatMessage;
    if ("name" in message && message.name) warnings.push(unsupported(`messages[${position}].name`));
    if (message.role === "system" || message.role === "developer") {
      if (messages.length > 0) {
        const path = `messages[${position}]`;
        warnings.push({
          type: "lossy-conversion",
          subject: `${path}.role`,
          message: `${path}: a ${message.role} message after the conversation started is sent with the system prompt`,
        });
      }
      for (const text of texts(message.content)) system.push({ text });
      afterTool = false;
    } else if (message.role === "tool") {
      const content = texts(message.content).map((text) => ({ type: "text" as const, text }));
      const result: UserContent = { type: "tool-result", toolUseId: message.tool_call_id, content };
      const toolName = toolNames?.get(message.tool_call_id);
      if (toolName !== undefined) result.toolName = toolName;
      appendUser(messages, [result], afterTool);
      afterTool = true;
    } else if (message.role === "user") {
      appendUser(messages, userContent(message, position, warnings), afterTool);
      afterTool = false;
    } else {
      toolNames ??= new Map();
      messages.push({
        role: "assistant",
        content: assistantContent(message, `messages[${position}]`, warnings, toolNames),
      });
      afterTool = false;
    }
  }
  return { system, messages };
}

function appendUser(messages: CanonicalMessage[], content: UserContent[], join: boolean): void {
  const last = messages[messages.length - 1];
  if (join && last?.role === "user") last.content.push(...content);
  else messages.push({ role: "user", content });
}

function userContent(
  message: UserMessage,
  position: number,
  warnings: ConversionWarning[],
): UserContent[] {
  if (typeof message.content === "string") return [{ type: "text", text: message.content }];
  const path = `messages[${position}]`;
  const content: UserContent[] = [];
  message.content.forEach((part, index) => {
    if (part.type === "text") content.push({ type: "text", text: part.text });
    else if (part.type === "image_url") {
      const image: UserContent = { type: "image", source: mediaFromUrl(part.image_url.url) };
      if (part.image_url.detail) image.detail = part.image_url.detail;
      content.push(image);
    } else if (part.type === "file") {
      const file = part.file;
      if (file.file_id)
        content.push({ type: "document", source: { kind: "file", fileId: file.file_id } });
      else if (file.file_data) {
        const document: UserContent = { type: "document", source: mediaFromUrl(file.file_data) };
        if (file.filename) document.title = file.filename;
        content.push(document);
      } else warnings.push(unsupported(`${path}.content[${index}].file`));
    } else warnings.push(unsupported(`${path}.content[${index}].input_audio`));
  });
  return content;
}

function assistantContent(
  message: AssistantMessage,
  path: string,
  warnings: ConversionWarning[],
  toolNames: Map<string, string>,
): AssistantContent[] {
  // The gateway's thinking comes first, as every vendor wrote it; the text's signature goes on
  // its last text block, as it came off (reasoning-fields.ts).
  const content: AssistantContent[] = (message["mlx:thinking"] ?? []).map(thinkingContent);
  if (typeof message.content === "string") {
    if (message.content !== "") content.push({ type: "text", text: message.content });
  } else if (message.content) {
    for (const part of message.content) {
      content.push({ type: "text", text: part.type === "text" ? part.text : part.refusal });
    }
  }
  if (message.refusal) content.push({ type: "text", text: message.refusal });
  const textSignature = signed(message["mlx:signature"]);
  if (textSignature.signature !== undefined) {
    const last = content.findLast((block) => block.type === "text");
    if (last) Object.assign(last, textSignature);
    // A signature on no text still goes back (Gemini signs empty parts too).
    else content.push({ type: "text", text: "", ...textSignature });
  }
  message.tool_calls?.forEach((call, index) => {
    if (call.type !== "function") {
      warnings.push(unsupported(`${path}.tool_calls[${index}]`));
      return;
    }
    toolNames.set(call.id, call.function.name);
    content.push({
      type: "tool-use",
      id: call.id,
      name: call.function.name,
      input: parseArguments(call.function.arguments, `${path}.tool_calls[${index}]`, warnings),
      ...signed(call["mlx:signature"]),
    });
  });
  if (message.function_call) warnings.push(unsupported(`${path}.function_call`));
  if (message.audio) warnings.push(unsupported(`${path}.audio`));
  return content;
}

/** Arguments the model wrote may not be JSON; they are kept as the string then. */
function parseArguments(text: string, path: string, warnings: ConversionWarning[]): unknown {
  if (text.trim() === "") return {};
  try {
    return JSON.parse(text);
  } catch {
    warnings.push({
      type: "lossy-conversion",
      subject: `${path}.function.arguments`,
      message: `${path}: arguments are not valid JSON; kept as a string`,
    });
    return text;
  }
}

/** `data:<type>;base64,<data>` → base64 source; anything else is a URL. */
export function mediaFromUrl(url: string): MediaSource {
  if (url.startsWith("data:")) {
    const comma = url.indexOf(",");
    const header = url.slice(5, comma);
    if (comma > 0 && header.endsWith(";base64")) {
      const mediaType = header.slice(0, -7).split(";")[0] || "application/octet-stream";
      return { kind: "base64", mediaType, data: url.slice(comma + 1) };
    }
  }
  return { kind: "url", url };
}

function texts(content: string | Array<{ text: string }>): string[] {
  return typeof content === "string" ? [content] : content.map((part) => part.text);
}

function unsupported(subject: string): ConversionWarning {
  return {
    type: "unsupported-field",
    subject,
    message: `${subject} has no canonical form; dropped when the request is translated for another upstream`,
  };
}
