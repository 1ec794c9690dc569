// The Messages event stream: message_start, then per content block content_block_start,
// deltas (thinking_delta and a signature_delta; text_delta; input_json_delta) and
// content_block_stop, a ping after the first block opens, message_delta with the stop reason
// and final usage, message_stop. One delta per output token.
import type { Answer } from "../../common/answer.ts";
import type { StreamEvent } from "../../common/event-stream.ts";
import { splitTokens } from "../../common/tokens.ts";
import { type MessageMeta, type MessageUsage, stopReason } from "./message.ts";

function frame(type: string, data: string, tokens = 0): StreamEvent {
  return { frame: `event: ${type}\ndata: ${data}\n\n`, tokens };
}

function deltaFrame(index: number, delta: string): StreamEvent {
  return frame(
    "content_block_delta",
    `{"type":"content_block_delta","index":${index},"delta":${delta}}`,
    1,
  );
}

export function messageEvents(
  meta: MessageMeta,
  answer: Answer,
  usage: MessageUsage,
): StreamEvent[] {
  const events: StreamEvent[] = [];
  const start = {
    type: "message_start",
    message: {
      model: meta.model,
      id: meta.id,
      type: "message",
      role: "assistant",
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { ...usage, output_tokens: 1 },
    },
  };
  events.push(frame("message_start", JSON.stringify(start)));
  let index = 0;
  const openBlock = (block: Record<string, unknown>) => {
    events.push(
      frame(
        "content_block_start",
        JSON.stringify({ type: "content_block_start", index, content_block: block }),
      ),
    );
    if (index === 0) events.push(frame("ping", `{"type": "ping"}`));
  };
  const closeBlock = () => {
    events.push(frame("content_block_stop", `{"type":"content_block_stop","index":${index}}`));
    index++;
  };

  if (answer.reasoning) {
    openBlock({ type: "thinking", thinking: "", signature: "" });
    for (const piece of splitTokens(answer.reasoning.text)) {
      events.push(
        deltaFrame(index, `{"type":"thinking_delta","thinking":${JSON.stringify(piece)}}`),
      );
    }
    const signature = `{"type":"signature_delta","signature":${JSON.stringify(answer.reasoning.signature)}}`;
    events.push({ ...deltaFrame(index, signature), tokens: 0 });
    closeBlock();
  }

  const { content } = answer;
  if (content.kind === "tool_call") {
    openBlock({ type: "tool_use", id: meta.toolUseId, name: content.name, input: {} });
    for (const piece of content.pieces) {
      events.push(
        deltaFrame(index, `{"type":"input_json_delta","partial_json":${JSON.stringify(piece)}}`),
      );
    }
    closeBlock();
  } else if (content.text !== "" || !answer.reasoning) {
    openBlock({ type: "text", text: "" });
    for (const piece of content.pieces) {
      events.push(deltaFrame(index, `{"type":"text_delta","text":${JSON.stringify(piece)}}`));
    }
    closeBlock();
  }

  const delta = {
    type: "message_delta",
    delta: { stop_reason: stopReason(answer.finish), stop_sequence: answer.stopSequence ?? null },
    usage: {
      input_tokens: usage.input_tokens,
      cache_creation_input_tokens: usage.cache_creation_input_tokens,
      cache_read_input_tokens: usage.cache_read_input_tokens,
      output_tokens: usage.output_tokens,
    },
  };
  events.push(frame("message_delta", JSON.stringify(delta)));
  events.push(frame("message_stop", `{"type":"message_stop"}`));
  return events;
}
