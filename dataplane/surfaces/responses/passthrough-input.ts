// The input an OpenAI-family upstream gets when it cannot use what the client named: a chain
// another provider served (or the gateway translated) sent as its items instead of its
// `previous_response_id`, and the gateway's own items made sendable. An item that provider made
// goes as it is. Any other: reasoning is dropped (its encrypted content is another vendor's), an
// assistant message goes as text, calls and their outputs without their ids, built-in tools'
// records are dropped; each drop a warning naming the item.
import type { ConversionWarning } from "#shared/canonical/warnings.ts";
import type { ConversationItem, RawItem } from "./conversation.ts";

export function upstreamItems(
  items: readonly ConversationItem[],
  providerId: string,
): { items: RawItem[]; warnings: ConversionWarning[] } {
  const sent: RawItem[] = [];
  const warnings: ConversionWarning[] = [];
  for (const { item, path, maker } of items) {
    if (maker === "client" || maker === providerId) {
      sent.push(item);
      continue;
    }
    const sendable = sendableCopy(item);
    if (sendable) sent.push(sendable);
    else warnings.push(droppedItem(path, String(item.type ?? "message")));
  }
  return { items: sent, warnings };
}

function sendableCopy(item: RawItem): RawItem | null {
  const type = item.type ?? "message";
  if (type === "message") {
    if (item.role === "assistant") return { role: "assistant", content: messageText(item.content) };
    const { id: _id, status: _status, ...rest } = item;
    return rest;
  }
  if (type === "function_call")
    return { type, call_id: item.call_id, name: item.name, arguments: item.arguments };
  if (type === "function_call_output") return { type, call_id: item.call_id, output: item.output };
  return null;
}

function messageText(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content
    .map((part) => {
      const value = part as { text?: unknown; refusal?: unknown };
      return typeof value.text === "string"
        ? value.text
        : typeof value.refusal === "string"
          ? value.refusal
          : "";
    })
    .join("");
}

function droppedItem(path: string, type: string): ConversionWarning {
  return {
    type: type === "reasoning" ? "foreign-signature" : "unsupported-content",
    subject: `${path}.${type}`,
    message:
      type === "reasoning"
        ? `${path}: reasoning made by another upstream cannot be read by this one; dropped`
        : `${path}: a ${type} item another upstream made cannot be sent to this one; dropped`,
  };
}
