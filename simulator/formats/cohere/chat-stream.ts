// The Chat v2 event stream, as `event: <type>` + `data: <json>` frames: message-start; a
// thinking part (content-start, one content-delta per token, content-end) when reasoning; then
// either the text part the same way, or tool-plan-delta per token and tool-call-start, one
// tool-call-delta per token of the arguments, tool-call-end; message-end with the finish reason
// and usage. Payloads follow the recordings in test/fixtures/provider-recordings/cohere/.
import type { Answer } from "../../common/answer.ts";
import type { StreamEvent } from "../../common/event-stream.ts";
import { splitTokens } from "../../common/tokens.ts";
import { type ChatMeta, type ChatUsage, finishReason } from "./chat-response.ts";

function frame(type: string, payload: Record<string, unknown>, tokens = 0): StreamEvent {
  return { frame: `event: ${type}\ndata: ${JSON.stringify({ type, ...payload })}\n\n`, tokens };
}

function contentPart(
  events: StreamEvent[],
  index: number,
  kind: "text" | "thinking",
  pieces: string[],
): void {
  events.push(
    frame("content-start", { index, delta: { message: { content: { type: kind, [kind]: "" } } } }),
  );
  for (const piece of pieces) {
    events.push(
      frame("content-delta", { index, delta: { message: { content: { [kind]: piece } } } }, 1),
    );
  }
  events.push(frame("content-end", { index }));
}

export function chatStreamEvents(meta: ChatMeta, answer: Answer, usage: ChatUsage): StreamEvent[] {
  const events: StreamEvent[] = [];
  const start = { role: "assistant", content: [], tool_plan: "", tool_calls: [], citations: [] };
  events.push({
    frame: `event: message-start\ndata: ${JSON.stringify({ id: meta.id, type: "message-start", delta: { message: start } })}\n\n`,
    tokens: 0,
  });
  let index = 0;
  if (answer.reasoning)
    contentPart(events, index++, "thinking", splitTokens(answer.reasoning.text));

  const { content } = answer;
  if (content.kind === "text") contentPart(events, index, "text", content.pieces);
  else {
    for (const piece of splitTokens(meta.toolPlan)) {
      events.push(frame("tool-plan-delta", { delta: { message: { tool_plan: piece } } }, 1));
    }
    const call = {
      id: meta.toolCallId,
      type: "function",
      function: { name: content.name, arguments: "" },
    };
    events.push(
      frame("tool-call-start", { index: 0, delta: { message: { tool_calls: call } } }, 1),
    );
    for (const piece of content.pieces) {
      const delta = { message: { tool_calls: { function: { arguments: piece } } } };
      events.push(frame("tool-call-delta", { index: 0, delta }, 1));
    }
    events.push(frame("tool-call-end", { index: 0 }));
  }
  const end = { finish_reason: finishReason(answer.finish), usage };
  events.push(frame("message-end", { delta: end }));
  return events;
}
