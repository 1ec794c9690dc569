// Responses input items → canonical system blocks and messages. Consecutive assistant items
// (reasoning, message, function_call) are one assistant turn; function_call_output items become
// tool results in a user message, with a user message right after them joined in, as
// Anthropic-shaped upstreams require. What has no canonical form is dropped with a warning naming
// the item; what cannot be sent without changing the conversation is a blocker (a 400 when the
// request is translated).
import type {
  AssistantContent,
  CanonicalMessage,
  ImageContent,
  MediaSource,
  SignatureOrigin,
  TextContent,
  UserContent,
} from "#shared/canonical/content.ts";
import type { SystemBlock } from "#shared/canonical/request.ts";
import type { ConversionWarning } from "#shared/canonical/warnings.ts";
import type { GatewayError } from "#shared/errors/gateway-error.ts";
import { mediaFromUrl } from "../openai/convert-messages.ts";
import { invalid } from "./parse-request.ts";
import { openReasoning } from "./reasoning-envelope.ts";
import type {
  FunctionCallItem,
  FunctionCallOutputItem,
  InputItem,
  MessageItem,
  ReasoningItem,
} from "./request-schema.ts";

export interface ItemsConversion {
  system: SystemBlock[];
  messages: CanonicalMessage[];
  warnings: ConversionWarning[];
  /** Why the items cannot be translated at all (empty when they can). */
  blockers: GatewayError[];
}

/** `items` with the path each is named by in warnings (`input[3]`, `previous_response_id[2]`). */
export interface LocatedItem {
  item: InputItem;
  path: string;
  /** A function call's signature kept apart from its item (conversation.ts). */
  signature?: { signature: string; origin?: SignatureOrigin };
}

export function itemsToCanonical(items: readonly LocatedItem[]): ItemsConversion {
  const conversion: ItemsConversion = { system: [], messages: [], warnings: [], blockers: [] };
  const toolNames = new Map<string, string>();
  let afterTool = false;
  for (const { item, path, signature } of items) {
    const type = item.type ?? "message";
    if (type === "message") {
      const message = item as MessageItem;
      if (message.role === "system" || message.role === "developer") {
        if (conversion.messages.length > 0)
          conversion.warnings.push(lateSystem(path, message.role));
        for (const text of texts(message, path, conversion.warnings))
          conversion.system.push({ text });
        afterTool = false;
      } else if (message.role === "user") {
        appendUser(conversion.messages, userContent(message, path, conversion.warnings), afterTool);
        afterTool = false;
      } else {
        const content = texts(message, path, conversion.warnings).map(
          (text): TextContent => ({ type: "text", text }),
        );
        appendAssistant(conversion.messages, content);
        afterTool = false;
      }
    } else if (type === "function_call") {
      const call = item as FunctionCallItem;
      toolNames.set(call.call_id, call.name);
      appendAssistant(conversion.messages, [
        {
          type: "tool-use",
          id: call.call_id,
          name: call.name,
          input: parseArguments(call.arguments, path, conversion.warnings),
          ...(signature && {
            signature: signature.signature,
            ...(signature.origin && { origin: signature.origin }),
          }),
        },
      ]);
      afterTool = false;
    } else if (type === "function_call_output") {
      const output = item as FunctionCallOutputItem;
      const result: UserContent = {
        type: "tool-result",
        toolUseId: output.call_id,
        content: toolOutput(output, path, conversion.warnings),
      };
      const name = toolNames.get(output.call_id);
      if (name !== undefined) result.toolName = name;
      appendUser(conversion.messages, [result], afterTool);
      afterTool = true;
    } else if (type === "reasoning") {
      appendAssistant(conversion.messages, reasoningContent(item as ReasoningItem));
      afterTool = false;
    } else if (type === "item_reference" || type === "compaction") {
      conversion.blockers.push(
        invalid(
          path,
          type === "item_reference"
            ? `item_reference to ${JSON.stringify((item as { id: string }).id)}, an item this gateway does not hold, cannot be translated; send the item itself`
            : "a compaction item holds OpenAI's encrypted context and cannot be translated",
        ),
      );
    } else {
      conversion.warnings.push({
        type: "unsupported-content",
        subject: `${path}.${type}`,
        message: `${path}: a ${type} item (an OpenAI built-in tool's record) has no canonical form; dropped`,
      });
    }
  }
  return conversion;
}

function appendUser(messages: CanonicalMessage[], content: UserContent[], join: boolean): void {
  const last = messages[messages.length - 1];
  if (join && last?.role === "user") last.content.push(...content);
  else messages.push({ role: "user", content });
}

function appendAssistant(messages: CanonicalMessage[], content: AssistantContent[]): void {
  const last = messages[messages.length - 1];
  if (last?.role === "assistant") last.content.push(...content);
  else messages.push({ role: "assistant", content });
}

/** The text of a message of any role: input_text, output_text and refusal parts. */
function texts(message: MessageItem, path: string, warnings: ConversionWarning[]): string[] {
  if (typeof message.content === "string") return message.content === "" ? [] : [message.content];
  const result: string[] = [];
  message.content.forEach((part, index) => {
    if (part.type === "input_text" || part.type === "output_text") result.push(part.text);
    else if (part.type === "refusal") result.push(part.refusal);
    else warnings.push(notInRole(`${path}.content[${index}]`, part.type, message.role));
  });
  return result;
}

function userContent(message: MessageItem, path: string, warnings: ConversionWarning[]) {
  if (typeof message.content === "string")
    return [{ type: "text", text: message.content } satisfies UserContent];
  const content: UserContent[] = [];
  message.content.forEach((part, index) => {
    const at = `${path}.content[${index}]`;
    if (part.type === "input_text" || part.type === "output_text")
      content.push({ type: "text", text: part.text });
    else if (part.type === "refusal") content.push({ type: "text", text: part.refusal });
    else if (part.type === "input_image") content.push(image(part));
    else if (part.type === "input_file") content.push(document(part));
    else warnings.push(unsupported(at, "input_audio"));
  });
  return content;
}

function image(part: {
  image_url?: string | null;
  file_id?: string | null;
  detail?: string | null;
}) {
  const source: MediaSource = part.file_id
    ? { kind: "file", fileId: part.file_id }
    : mediaFromUrl(part.image_url ?? "");
  const block: ImageContent = { type: "image", source };
  if (part.detail === "low" || part.detail === "high" || part.detail === "auto")
    block.detail = part.detail;
  return block;
}

function document(part: {
  file_id?: string | null;
  file_data?: string | null;
  file_url?: string | null;
  filename?: string | null;
}): UserContent {
  const source: MediaSource = part.file_id
    ? { kind: "file", fileId: part.file_id }
    : part.file_data
      ? fileData(part.file_data, part.filename)
      : { kind: "url", url: part.file_url ?? "" };
  const block: UserContent = { type: "document", source };
  if (part.filename) block.title = part.filename;
  return block;
}

/** `file_data` is a data URL; bare base64 is taken as a PDF when the name says so. */
function fileData(data: string, filename: string | null | undefined): MediaSource {
  if (data.startsWith("data:")) return mediaFromUrl(data);
  const mediaType = filename?.toLowerCase().endsWith(".pdf")
    ? "application/pdf"
    : "application/octet-stream";
  return { kind: "base64", mediaType, data };
}

function toolOutput(
  output: FunctionCallOutputItem,
  path: string,
  warnings: ConversionWarning[],
): Array<TextContent | ImageContent> {
  if (typeof output.output === "string") return [{ type: "text", text: output.output }];
  const content: Array<TextContent | ImageContent> = [];
  output.output.forEach((part, index) => {
    if (part.type === "input_text") content.push({ type: "text", text: part.text });
    else if (part.type === "input_image") content.push(image(part));
    else warnings.push(unsupported(`${path}.output[${index}]`, "input_file"));
  });
  return content;
}

/**
 * A reasoning item → thinking (its summaries, its full text when sent, or the text sealed in the
 * gateway's envelope) with its signature.
 */
function reasoningContent(item: ReasoningItem): AssistantContent[] {
  const full = item.content?.map((part) => part.text) ?? [];
  const text = (full.length > 0 ? full : item.summary.map((part) => part.text)).join("\n\n");
  if (!item.encrypted_content) return text === "" ? [] : [{ type: "thinking", text }];
  const opened = openReasoning(item.encrypted_content);
  const origin = opened.origin === undefined ? {} : { origin: opened.origin };
  if (opened.redacted) return [{ type: "redacted-thinking", data: opened.value, ...origin }];
  // Shown without summaries: the text is in the envelope.
  const thought = opened.text ?? text;
  if (opened.value === "") return thought === "" ? [] : [{ type: "thinking", text: thought }];
  return [{ type: "thinking", text: thought, signature: opened.value, ...origin }];
}

/** Arguments the model wrote may not be JSON; they are kept as the string then. */
function parseArguments(text: string, path: string, warnings: ConversionWarning[]): unknown {
  if (text.trim() === "") return {};
  try {
    return JSON.parse(text);
  } catch {
    warnings.push({
      type: "lossy-conversion",
      subject: `${path}.arguments`,
      message: `${path}: arguments are not valid JSON; kept as a string`,
    });
    return text;
  }
}

function lateSystem(path: string, role: string): ConversionWarning {
  return {
    type: "lossy-conversion",
    subject: `${path}.role`,
    message: `${path}: a ${role} message after the conversation started is sent with the system prompt`,
  };
}

function notInRole(subject: string, type: string, role: string): ConversionWarning {
  return {
    type: "unsupported-content",
    subject,
    message: `${subject}: ${type} in a ${role} message has no canonical form; dropped`,
  };
}

function unsupported(subject: string, what: string): ConversionWarning {
  return {
    type: "unsupported-content",
    subject,
    message: `${subject}: ${what} has no canonical form; dropped`,
  };
}
