// An input item as OpenAI lists it (`GET …/input_items`) and as the gateway stores it: with an id
// (the gateway's when the client sent none), a status, and a message's content as parts (the
// client's string shorthand becomes one input_text part, output_text for an assistant).
import type { RawItem } from "./conversation.ts";
import { type ItemPrefix, itemId } from "./ids.ts";

const PREFIXES: Record<string, ItemPrefix> = {
  message: "msg",
  function_call: "fc",
  function_call_output: "fco",
  reasoning: "rs",
};

export function listedItem(
  item: RawItem,
  responseId: string,
  index: number,
): RawItem & { id: string } {
  const type = typeof item.type === "string" ? item.type : "message";
  const id =
    typeof item.id === "string" && item.id !== ""
      ? item.id
      : itemId(PREFIXES[type] ?? "item", responseId, `in${index}`);
  if (type === "message") {
    const content =
      typeof item.content === "string"
        ? [
            item.role === "assistant"
              ? { type: "output_text", text: item.content, annotations: [] }
              : { type: "input_text", text: item.content },
          ]
        : item.content;
    return { ...item, id, type, status: item.status ?? "completed", content };
  }
  if (type === "function_call" || type === "function_call_output")
    return { ...item, id, status: item.status ?? "completed" };
  return { ...item, id };
}
