// The ConverseStream events, in Bedrock's order: messageStart, per content block its deltas
// (reasoning text then a signature; text; or contentBlockStart with the tool, then input JSON
// pieces) and contentBlockStop, messageStop with the stop reason, metadata with usage. One
// delta per output token. Each event becomes one binary event-stream frame.
import { EventStreamCodec } from "@smithy/eventstream-codec";
import { fromUtf8, toUtf8 } from "@smithy/util-utf8";
import type { Answer } from "../../common/answer.ts";
import { splitTokens } from "../../common/tokens.ts";
import { type ConverseUsage, stopReason } from "./converse-output.ts";

const codec = new EventStreamCodec(toUtf8, fromUtf8);

export interface BinaryStreamEvent {
  frame: Uint8Array;
  /** Output tokens this event carries; pacing spends time only on these. */
  tokens: number;
}

/** One `:message-type: event` frame whose body is the event's JSON. */
export function eventFrame(eventType: string, payload: unknown): Uint8Array {
  return codec.encode({
    headers: {
      ":event-type": { type: "string", value: eventType },
      ":content-type": { type: "string", value: "application/json" },
      ":message-type": { type: "string", value: "event" },
    },
    body: fromUtf8(JSON.stringify(payload)),
  });
}

/** One `:message-type: exception` frame, as Bedrock sends a failure in mid-stream. */
export function exceptionFrame(exceptionType: string, message: string): Uint8Array {
  return codec.encode({
    headers: {
      ":exception-type": { type: "string", value: exceptionType },
      ":content-type": { type: "string", value: "application/json" },
      ":message-type": { type: "string", value: "exception" },
    },
    body: fromUtf8(JSON.stringify({ message })),
  });
}

export function converseStreamEvents(
  answer: Answer,
  usage: ConverseUsage,
  toolUseId: string,
  latencyMs: number,
): BinaryStreamEvent[] {
  const events: BinaryStreamEvent[] = [];
  const push = (eventType: string, payload: unknown, tokens = 0) =>
    events.push({ frame: eventFrame(eventType, payload), tokens });
  let index = 0;
  const delta = (value: unknown) =>
    push("contentBlockDelta", { contentBlockIndex: index, delta: value }, 1);
  const stop = () => push("contentBlockStop", { contentBlockIndex: index++ });

  push("messageStart", { role: "assistant" });
  if (answer.reasoning) {
    for (const piece of splitTokens(answer.reasoning.text))
      delta({ reasoningContent: { text: piece } });
    push("contentBlockDelta", {
      contentBlockIndex: index,
      delta: { reasoningContent: { signature: answer.reasoning.signature } },
    });
    stop();
  }
  const { content } = answer;
  if (content.kind === "tool_call") {
    push(
      "contentBlockStart",
      { contentBlockIndex: index, start: { toolUse: { toolUseId, name: content.name } } },
      1,
    );
    for (const piece of content.pieces) delta({ toolUse: { input: piece } });
    stop();
  } else if (content.text !== "" || !answer.reasoning) {
    for (const piece of content.pieces) delta({ text: piece });
    stop();
  }
  push("messageStop", {
    stopReason: stopReason(answer.finish),
    additionalModelResponseFields: { delta: { stop_sequence: answer.stopSequence ?? null } },
  });
  push("metadata", { usage, metrics: { latencyMs } });
  return events;
}
