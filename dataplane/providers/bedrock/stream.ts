// ConverseStream → canonical stream events. Frames carry their event type in the `:event-type`
// header and the event as JSON; exceptions come as `:message-type: exception` frames. Bedrock's
// contentBlockIndex is the block's position in the final message, so it is the canonical index.
// messageStop and metadata arrive in either order, so message-end waits for the stream's end.

import type { Message } from "@smithy/eventstream-codec";
import { toUtf8 } from "@smithy/util-utf8";
import * as v from "valibot";
import type { SignatureOrigin } from "#shared/canonical/content.ts";
import type { StopReason } from "#shared/canonical/response.ts";
import type { CanonicalStreamEvent } from "#shared/canonical/stream-events.ts";
import { streamReadFailure } from "#shared/errors/upstream-error.ts";
import type { AnsweredBy } from "../adapter.ts";
import { streamEventSchemas } from "./converse-schemas.ts";
import { bedrockMessageId } from "./convert-response.ts";
import { JSON_TOOL_NAME } from "./convert-tools.ts";
import { convertUsage, mapStopReason, stopSequenceOf } from "./convert-usage.ts";
import { streamExceptionKind } from "./errors.ts";
import { EventStreamFramingError, readEventStreamMessages } from "./event-stream-frames.ts";
import { bedrockSignatureOrigin } from "./model-family.ts";

interface ToolBlock {
  /** The emulated JSON answer: its input is streamed as text. */
  json: boolean;
  argumentsSent: boolean;
}

class StreamState {
  /** Who wrote the signatures and redacted reasoning of this answer. */
  constructor(readonly origin: SignatureOrigin) {}

  readonly toolBlocks = new Map<number, ToolBlock>();
  /** Reasoning text streamed so far, for the reasoning estimate. */
  thinkingCharacters = 0;
  stop: { reason: StopReason; sequence: string | undefined } | undefined;
  calledTools = false;
  answeredJson = false;

  *closeTool(index: number): Generator<CanonicalStreamEvent> {
    const block = this.toolBlocks.get(index);
    if (!block) return;
    this.toolBlocks.delete(index);
    if (block.json) return;
    // A call without arguments streams an empty input; canonical consumers expect JSON text.
    if (!block.argumentsSent) yield { type: "tool-call-delta", index, argumentsDelta: "{}" };
    yield { type: "tool-call-end", index };
  }
}

export async function* parseConverseStream(
  body: ReadableStream<Uint8Array>,
  answered?: AnsweredBy,
): AsyncGenerator<CanonicalStreamEvent> {
  const state = new StreamState(bedrockSignatureOrigin(answered?.model));
  yield { type: "message-start", id: bedrockMessageId(), model: "" };
  try {
    for await (const message of readEventStreamMessages(body)) {
      const failure = failureOf(message);
      if (failure) {
        yield failure;
        return;
      }
      for (const event of eventsOf(message, state)) yield event;
    }
  } catch (error) {
    yield failedRead(error);
    return;
  }
  for (const index of [...state.toolBlocks.keys()])
    for (const event of state.closeTool(index)) yield event;
  if (!state.stop) {
    yield {
      type: "error",
      code: "upstream_error",
      message: "the Bedrock stream ended before messageStop",
    };
    return;
  }
  let { reason } = state.stop;
  if (reason === "tool_use" && state.answeredJson && !state.calledTools) reason = "end_turn";
  const sequence = state.stop.sequence;
  yield sequence === undefined
    ? { type: "message-end", stopReason: reason }
    : { type: "message-end", stopReason: reason, stopSequence: sequence };
}

function headerString(message: Message, name: string): string | undefined {
  const header = message.headers[name];
  return header?.type === "string" ? header.value : undefined;
}

function failureOf(message: Message): CanonicalStreamEvent | undefined {
  const messageType = headerString(message, ":message-type") ?? "event";
  if (messageType === "event") return undefined;
  if (messageType === "exception") {
    const exception = headerString(message, ":exception-type") ?? "unknownException";
    let text = "";
    try {
      const parsed = JSON.parse(toUtf8(message.body)) as { message?: unknown; Message?: unknown };
      text = String(parsed.message ?? parsed.Message ?? "");
    } catch {
      text = toUtf8(message.body);
    }
    return {
      type: "error",
      code: streamExceptionKind(exception, text),
      message: `${exception}: ${text}`,
    };
  }
  // `:message-type: error` is the event-stream protocol's own failure frame.
  const code = headerString(message, ":error-code") ?? "error";
  const text = headerString(message, ":error-message") ?? "";
  return { type: "error", code: streamExceptionKind(code, text), message: `${code}: ${text}` };
}

function* eventsOf(message: Message, state: StreamState): Generator<CanonicalStreamEvent> {
  const eventType = headerString(message, ":event-type");
  if (!eventType || !(eventType in streamEventSchemas)) return; // messageStart and future events
  const json: unknown = JSON.parse(toUtf8(message.body));
  switch (eventType) {
    case "contentBlockStart": {
      const event = v.parse(streamEventSchemas.contentBlockStart, json);
      const toolUse = event.start?.toolUse;
      if (!toolUse) return;
      const index = event.contentBlockIndex;
      const jsonAnswer = toolUse.name === JSON_TOOL_NAME;
      state.toolBlocks.set(index, { json: jsonAnswer, argumentsSent: false });
      if (jsonAnswer) state.answeredJson = true;
      else {
        state.calledTools = true;
        yield { type: "tool-call-start", index, id: toolUse.toolUseId, name: toolUse.name };
      }
      return;
    }
    case "contentBlockDelta": {
      const { contentBlockIndex: index, delta } = v.parse(
        streamEventSchemas.contentBlockDelta,
        json,
      );
      if (delta.text) yield { type: "text-delta", index, text: delta.text };
      const input = delta.toolUse?.input;
      const tool = state.toolBlocks.get(index);
      if (input && tool) {
        tool.argumentsSent = true;
        yield tool.json
          ? { type: "text-delta", index, text: input }
          : { type: "tool-call-delta", index, argumentsDelta: input };
      }
      const reasoning = delta.reasoningContent;
      if (reasoning?.text) {
        state.thinkingCharacters += reasoning.text.length;
        yield { type: "thinking-delta", index, text: reasoning.text };
      }
      const { origin } = state;
      if (reasoning?.signature)
        yield { type: "signature-delta", index, signature: reasoning.signature, origin };
      if (reasoning?.redactedContent)
        yield { type: "redacted-thinking", index, data: reasoning.redactedContent, origin };
      return;
    }
    case "contentBlockStop":
      yield* state.closeTool(v.parse(streamEventSchemas.contentBlockStop, json).contentBlockIndex);
      return;
    case "messageStop": {
      const event = v.parse(streamEventSchemas.messageStop, json);
      state.stop = {
        reason: mapStopReason(event.stopReason),
        sequence: stopSequenceOf(event.additionalModelResponseFields),
      };
      return;
    }
    case "metadata": {
      const event = v.parse(streamEventSchemas.metadata, json);
      // Reasoning streams before the metadata, so the estimate has all of it.
      if (event.usage) {
        yield { type: "usage", usage: convertUsage(event.usage, state.thinkingCharacters) };
      }
      return;
    }
  }
}

/** A stream that could not be read to its end: a broken frame, a body that is not JSON, a cut. */
function failedRead(error: unknown): CanonicalStreamEvent {
  if (error instanceof EventStreamFramingError) {
    return { type: "error", code: "upstream_error", message: error.message };
  }
  if (error instanceof SyntaxError) {
    return {
      type: "error",
      code: "upstream_error",
      message: "the stream sent a payload that is not JSON",
    };
  }
  // A reset socket or the codec's own complaint: its text is the runtime's, not the caller's.
  const failure = streamReadFailure(error);
  return { type: "error", code: failure.kind, message: failure.message };
}
