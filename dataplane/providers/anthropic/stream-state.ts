// Anthropic stream events → canonical events, one event at a time. Canonical block indexes count
// only the blocks the canonical model carries, so skipped blocks (server tools, compaction,
// fallback markers) leave no gaps. A message ends at message_stop; anything after is ignored.
import type { CanonicalStreamEvent } from "#shared/canonical/stream-events.ts";
import type { UpstreamErrorKind } from "#shared/errors/upstream-error.ts";
import { redactSecrets } from "#shared/errors/upstream-error.ts";
import { mapAnthropicStopReason } from "../../wire/anthropic/stop-reason.ts";
import { classifyAnthropicError } from "../../wire/anthropic/upstream-error.ts";
import { AnthropicUsage } from "../../wire/anthropic/usage.ts";
import { JSON_TOOL_NAME } from "./capabilities.ts";
import { readContentBlock } from "./content-blocks.ts";

type Events = CanonicalStreamEvent[];

interface OpenBlock {
  kind: "text" | "thinking" | "tool" | "json" | "other";
  index: number;
  /** Tool calls: the input content_block_start carried, sent when no delta follows. */
  input?: unknown;
  argumentsSent?: boolean;
}

export class AnthropicStreamState {
  failed = false;
  finished = false;
  private messageId: string | undefined;
  private readonly usage = new AnthropicUsage();
  private usageFinal = false;
  private stopReason: string | null = null;
  private stopSequence: string | null = null;
  private readonly blocks = new Map<number, OpenBlock>();
  private nextIndex = 0;
  private jsonAnswer = false;
  private toolCalls = false;

  get done(): boolean {
    return this.failed || this.finished;
  }

  push(payload: unknown, out: Events): void {
    if (this.done || typeof payload !== "object" || payload === null) return;
    const event = payload as Record<string, unknown>;
    const index = numberOf(event.index);
    switch (event.type) {
      case "message_start":
        this.messageStart(record(event.message), out);
        break;
      case "content_block_start":
        if (this.ensureStarted(out)) this.blockStart(index, event.content_block, out);
        break;
      case "content_block_delta":
        this.blockDelta(index, record(event.delta), out);
        break;
      case "content_block_stop":
        this.blockStop(index, out);
        break;
      case "message_delta":
        this.messageDelta(event, out);
        break;
      case "message_stop":
        this.messageStop(out);
        break;
      case "error": {
        const error = record(event.error);
        const message = typeof error.message === "string" ? error.message : "stream error";
        this.fail(out, message, classifyAnthropicError(0, error));
        break;
      }
      // ping, and event types yet to come, carry nothing to convert.
    }
  }

  /** The bytes ran out: a message that never reached message_stop is an error. */
  finish(out: Events): void {
    if (!this.done) this.fail(out, "the stream ended before message_stop", "upstream_error");
  }

  fail(out: Events, message: string, kind: UpstreamErrorKind | "upstream_error"): void {
    if (this.done) return;
    this.failed = true;
    out.push({ type: "error", code: kind, message: redactSecrets(message) });
  }

  private messageStart(message: Record<string, unknown>, out: Events): void {
    const id = typeof message.id === "string" ? message.id : "";
    if (this.messageId !== undefined) {
      // The same message announced twice is harmless; a different one spliced in is not.
      if (id !== this.messageId) {
        this.fail(out, "a second message started mid-stream", "upstream_error");
      }
      return;
    }
    this.messageId = id;
    out.push({
      type: "message-start",
      id,
      model: typeof message.model === "string" ? message.model : "",
    });
    if (this.usage.update(message.usage)) {
      out.push({ type: "usage", usage: this.usage.inputSide() });
    }
    if (typeof message.stop_reason === "string") this.stopReason = message.stop_reason;
    // Continuations of a paused turn may arrive with their blocks already in message_start.
    const content = Array.isArray(message.content) ? message.content : [];
    content.forEach((block, position) => {
      const key = -1 - position;
      this.blockStart(key, block, out);
      this.blockStop(key, out);
    });
  }

  private ensureStarted(out: Events): boolean {
    if (this.messageId === undefined) this.messageStart({}, out);
    return !this.done;
  }

  private blockStart(key: number, raw: unknown, out: Events): void {
    if (Number.isNaN(key) || this.blocks.has(key)) return;
    const block = readContentBlock(raw);
    if (!block) {
      this.blocks.set(key, { kind: "other", index: -1 });
      return;
    }
    const index = this.nextIndex++;
    switch (block.type) {
      case "text":
        this.blocks.set(key, { kind: "text", index });
        if (block.text !== "") out.push({ type: "text-delta", index, text: block.text });
        return;
      case "thinking":
        this.blocks.set(key, { kind: "thinking", index });
        if (block.thinking !== "") {
          this.usage.addThinking(block.thinking);
          out.push({ type: "thinking-delta", index, text: block.thinking });
        }
        if (block.signature) {
          out.push({
            type: "signature-delta",
            index,
            signature: block.signature,
            origin: "claude",
          });
        }
        return;
      case "redacted_thinking":
        this.blocks.set(key, { kind: "other", index });
        out.push({ type: "redacted-thinking", index, data: block.data, origin: "claude" });
        return;
      case "tool_use": {
        const json = block.name === JSON_TOOL_NAME;
        this.blocks.set(key, { kind: json ? "json" : "tool", index, input: block.input });
        if (json) this.jsonAnswer = true;
        else {
          this.toolCalls = true;
          out.push({ type: "tool-call-start", index, id: block.id, name: block.name });
        }
      }
    }
  }

  private blockDelta(key: number, delta: Record<string, unknown>, out: Events): void {
    const block = this.blocks.get(key);
    if (!block) return;
    const { index } = block;
    if (delta.type === "text_delta" && block.kind === "text" && typeof delta.text === "string") {
      if (delta.text !== "") out.push({ type: "text-delta", index, text: delta.text });
    } else if (delta.type === "thinking_delta" && typeof delta.thinking === "string") {
      if (block.kind === "thinking" && delta.thinking !== "") {
        this.usage.addThinking(delta.thinking);
        out.push({ type: "thinking-delta", index, text: delta.thinking });
      }
    } else if (delta.type === "signature_delta" && typeof delta.signature === "string") {
      if (block.kind === "thinking") {
        out.push({ type: "signature-delta", index, signature: delta.signature, origin: "claude" });
      }
    } else if (delta.type === "input_json_delta" && typeof delta.partial_json === "string") {
      const text = delta.partial_json;
      if (text === "" || (block.kind !== "tool" && block.kind !== "json")) return;
      block.argumentsSent = true;
      out.push(
        block.kind === "tool"
          ? { type: "tool-call-delta", index, argumentsDelta: text }
          : { type: "text-delta", index, text },
      );
    }
    // citations_delta and delta types yet to come carry nothing the canonical model holds.
  }

  private blockStop(key: number, out: Events): void {
    const block = this.blocks.get(key);
    if (!block || (block.kind !== "tool" && block.kind !== "json")) return;
    const { index } = block;
    if (!block.argumentsSent) {
      // No deltas: the input came whole in content_block_start (`{}` for a call without arguments).
      const text = JSON.stringify(block.input ?? {});
      out.push(
        block.kind === "tool"
          ? { type: "tool-call-delta", index, argumentsDelta: text }
          : { type: "text-delta", index, text },
      );
      block.argumentsSent = true;
    }
    if (block.kind === "tool") out.push({ type: "tool-call-end", index });
  }

  private messageDelta(event: Record<string, unknown>, out: Events): void {
    const delta = record(event.delta);
    if (typeof delta.stop_reason === "string") this.stopReason = delta.stop_reason;
    if (typeof delta.stop_sequence === "string") this.stopSequence = delta.stop_sequence;
    if (this.usage.update(event.usage)) {
      this.usageFinal = true;
      out.push({ type: "usage", usage: this.usage.toCanonical() });
    }
  }

  private messageStop(out: Events): void {
    if (!this.ensureStarted(out)) return;
    if (!this.usageFinal) out.push({ type: "usage", usage: this.usage.toCanonical() });
    let stopReason = mapAnthropicStopReason(this.stopReason);
    if (stopReason === "tool_use" && this.jsonAnswer && !this.toolCalls) stopReason = "end_turn";
    out.push(
      this.stopSequence !== null
        ? { type: "message-end", stopReason, stopSequence: this.stopSequence }
        : { type: "message-end", stopReason },
    );
    this.finished = true;
  }
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {};
}

function numberOf(value: unknown): number {
  return typeof value === "number" && Number.isInteger(value) ? value : Number.NaN;
}
