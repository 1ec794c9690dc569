// streamGenerateContent?alt=sse → canonical events. Every SSE chunk is a partial
// GenerateContentResponse: text pieces continue the open block of their kind, a thoughtSignature
// lands on the block it arrived with, and a function call (whole, or built over several chunks
// from `partialArgs` until a part without `willContinue`) becomes tool-call-start, one
// tool-call-delta holding the whole arguments JSON, and tool-call-end.

import * as v from "valibot";
import type { CanonicalUsage, StopReason } from "#shared/canonical/response.ts";
import type { CanonicalStreamEvent } from "#shared/canonical/stream-events.ts";
import { SseReadError, sseData } from "../sse-data.ts";
import { convertUsage, hasTokenCounts } from "./convert-usage.ts";
import { errorKindFromBody } from "./errors.ts";
import { mapFinishReason } from "./map-finish-reason.ts";
import { PartialArguments } from "./partial-arguments.ts";
import { toolCallId } from "./tool-call-id.ts";
import {
  type GeminiPartReceived,
  type GenerateContentResponse,
  generateContentResponseSchema,
} from "./wire-response.ts";

interface OpenBlock {
  kind: "text" | "thinking";
  index: number;
  signed: boolean;
}

interface PendingCall {
  index: number;
  id: string;
  name: string;
  signature: string | undefined;
  args: PartialArguments;
}

export async function* parseGoogleStream(
  body: ReadableStream<Uint8Array>,
): AsyncIterable<CanonicalStreamEvent> {
  const state = new StreamState();
  try {
    for await (const data of sseData(body)) {
      let json: unknown;
      try {
        json = JSON.parse(data);
      } catch {
        yield {
          type: "error",
          code: "upstream_error",
          message: "Gemini sent a chunk that is not JSON",
        };
        return;
      }
      const parsed = v.safeParse(generateContentResponseSchema, json);
      if (!parsed.success) continue;
      const chunk = parsed.output;
      if (chunk.error) {
        const { kind, message } = errorKindFromBody(chunk.error, chunk.error.code ?? 500);
        yield { type: "error", code: kind, message };
        return;
      }
      for (const event of state.chunk(chunk)) yield event;
    }
  } catch (error) {
    // A cut or oversized stream: its message is the gateway's, never the runtime's.
    if (!(error instanceof SseReadError)) throw error;
    yield { type: "error", code: error.kind, message: error.message };
    return;
  }
  for (const event of state.end()) yield event;
}

class StreamState {
  private started = false;
  private responseId: string | null | undefined;
  private nextIndex = 0;
  private calls = 0;
  private open: OpenBlock | undefined;
  private pending: PendingCall | undefined;
  private finishReason: string | undefined;
  private blockReason: string | undefined;
  private lastUsage: CanonicalUsage | undefined;

  *chunk(chunk: GenerateContentResponse): Generator<CanonicalStreamEvent> {
    if (!this.started) {
      this.started = true;
      this.responseId = chunk.responseId;
      yield {
        type: "message-start",
        id: chunk.responseId ?? `gemini-${crypto.randomUUID()}`,
        model: chunk.modelVersion ?? "",
      };
    }
    // Usage first: the first chunk's prompt count then reaches an Anthropic message_start.
    if (hasTokenCounts(chunk.usageMetadata)) {
      // Every chunk repeats the counts so far; only a change is worth an event.
      const usage = convertUsage(chunk.usageMetadata);
      if (!this.lastUsage || !sameUsage(usage, this.lastUsage)) {
        this.lastUsage = usage;
        yield { type: "usage", usage };
      }
    }
    const candidate = chunk.candidates?.[0];
    for (const part of candidate?.content?.parts ?? []) yield* this.part(part);
    if (candidate?.finishReason) this.finishReason = candidate.finishReason;
    if (chunk.promptFeedback?.blockReason) this.blockReason = chunk.promptFeedback.blockReason;
  }

  *end(): Generator<CanonicalStreamEvent> {
    yield* this.finishPendingCall();
    if (!this.finishReason && !this.blockReason) {
      yield {
        type: "error",
        code: "upstream_error",
        message: "the Gemini stream ended without a finish reason",
      };
      return;
    }
    const stopReason: StopReason =
      this.finishReason === undefined
        ? "content_filter"
        : mapFinishReason(this.finishReason, this.calls > 0);
    yield { type: "message-end", stopReason };
  }

  private *part(part: GeminiPartReceived): Generator<CanonicalStreamEvent> {
    const signature = part.thoughtSignature ?? undefined;
    const call = part.functionCall;
    if (call) {
      if (call.name) {
        yield* this.finishPendingCall();
        this.open = undefined;
        const args = new PartialArguments(call.args);
        this.pending = {
          index: this.nextIndex++,
          id: toolCallId(this.responseId, this.calls++, call.id),
          name: call.name,
          signature,
          args,
        };
      }
      // A part without a name continues the pending call; with none pending it is noise.
      if (!this.pending) return;
      this.pending.args.apply(call.partialArgs);
      if (!call.willContinue) yield* this.finishPendingCall();
      return;
    }
    // Anything else ends a call still waiting for its terminal part (seen in real streams).
    yield* this.finishPendingCall();
    // Other parts (inline images, executable code) have no canonical event; they are skipped.
    if (part.text == null) return;
    yield* this.text(part.thought ? "thinking" : "text", part.text, signature);
  }

  private *text(
    kind: OpenBlock["kind"],
    text: string,
    signature: string | undefined,
  ): Generator<CanonicalStreamEvent> {
    if (text === "" && !signature) return;
    const open = this.open;
    const continues =
      open !== undefined &&
      open.kind === kind &&
      // A second signature means a second part that must go back as its own part.
      !(signature && open.signed);
    // An empty part carrying only a signature belongs to the block before it, whatever its kind.
    const joinsPrevious = text === "" && open !== undefined && !open.signed;
    const block =
      continues || joinsPrevious
        ? (open as OpenBlock)
        : { kind, index: this.nextIndex++, signed: false };
    this.open = block;
    if (text !== "") {
      yield block.kind === "thinking"
        ? { type: "thinking-delta", index: block.index, text }
        : { type: "text-delta", index: block.index, text };
    }
    if (signature) {
      block.signed = true;
      yield block.kind === "thinking"
        ? { type: "signature-delta", index: block.index, signature, origin: "gemini" }
        : { type: "text-signature", index: block.index, signature, origin: "gemini" };
    }
  }

  private *finishPendingCall(): Generator<CanonicalStreamEvent> {
    const call = this.pending;
    if (!call) return;
    this.pending = undefined;
    yield {
      type: "tool-call-start",
      index: call.index,
      id: call.id,
      name: call.name,
      ...(call.signature ? { signature: call.signature, origin: "gemini" as const } : {}),
    };
    yield { type: "tool-call-delta", index: call.index, argumentsDelta: call.args.toJson() };
    yield { type: "tool-call-end", index: call.index };
  }
}

function sameUsage(left: CanonicalUsage, right: CanonicalUsage): boolean {
  return (
    left.inputTokens === right.inputTokens &&
    left.outputTokens === right.outputTokens &&
    left.cacheReadTokens === right.cacheReadTokens &&
    left.reasoningTokens === right.reasoningTokens
  );
}
