// Canonical answer content → Responses output items: consecutive text blocks are one assistant
// message (a part each), thinking is a reasoning item (its text as the summary when the request
// asked for summaries, its signature sealed in encrypted_content; without summaries, the text
// sealed there too and `summary: []`, as OpenAI shows reasoning then), a tool call a function_call item. Ids carry the response's
// (ids.ts), the item's position after it.
import type { AssistantContent, SignatureOrigin } from "#shared/canonical/content.ts";
import { itemId } from "./ids.ts";
import { sealReasoning } from "./reasoning-envelope.ts";

export type OutputItem = Record<string, unknown> & { id: string; type: string };

/**
 * Signatures an output item has no field for (Gemini's on function calls), by item id: stored
 * with the response, never shown, put back when the item comes back by id or in a chain.
 */
export type HiddenSignatures = Record<string, { signature: string; origin?: SignatureOrigin }>;

export function outputText(text: string) {
  return { type: "output_text", annotations: [], logprobs: [], text };
}

export function messageItem(id: string, parts: unknown[], status = "completed"): OutputItem {
  return { id, type: "message", status, content: parts, role: "assistant" };
}

export function reasoningItem(id: string, summary: string | null, encrypted?: string): OutputItem {
  return {
    id,
    type: "reasoning",
    summary: summary === null || summary === "" ? [] : [{ type: "summary_text", text: summary }],
    ...(encrypted !== undefined && { encrypted_content: encrypted }),
  };
}

export function functionCallItem(
  id: string,
  callId: string,
  name: string,
  args: string,
  status = "completed",
): OutputItem {
  return { id, type: "function_call", status, arguments: args, call_id: callId, name };
}

/** Tool inputs are parsed JSON; a string is arguments that were never valid JSON, sent as is. */
export function toolArguments(input: unknown): string {
  return typeof input === "string" ? input : JSON.stringify(input ?? {});
}

export function outputItems(
  responseId: string,
  content: readonly AssistantContent[],
  refused: boolean,
  hidden: HiddenSignatures = {},
  summaries = true,
): OutputItem[] {
  const items: OutputItem[] = [];
  let message: OutputItem | null = null;
  for (const block of content) {
    if (block.type === "text") {
      const part = refused ? { type: "refusal", refusal: block.text } : outputText(block.text);
      if (message) (message.content as unknown[]).push(part);
      else {
        message = messageItem(itemId("msg", responseId, items.length), [part]);
        items.push(message);
      }
      continue;
    }
    message = null;
    const id = (prefix: "rs" | "fc") => itemId(prefix, responseId, items.length);
    if (block.type === "thinking")
      items.push(
        summaries
          ? reasoningItem(id("rs"), block.text, sealReasoning(block))
          : reasoningItem(id("rs"), null, sealReasoning(block, true)),
      );
    else if (block.type === "redacted-thinking")
      items.push(reasoningItem(id("rs"), null, sealReasoning(block)));
    else {
      const item = functionCallItem(id("fc"), block.id, block.name, toolArguments(block.input));
      if (block.signature)
        hidden[item.id] = {
          signature: block.signature,
          ...(block.origin && { origin: block.origin }),
        };
      items.push(item);
    }
  }
  return items;
}
