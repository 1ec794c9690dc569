// Canonical stream events → Messages SSE, in the order the Anthropic SDK expects: message_start
// (with usage), content_block_start/delta/stop per block, message_delta (stop reason, usage),
// message_stop. A block opens at its first event and closes when another starts or the message
// ends. message_start waits for the first event after it so the input usage that follows it can
// ride along (an estimate stands in when none came); nothing else is held. A failure ends the stream with `event: error`.

import type { SignatureOrigin } from "#shared/canonical/content.ts";
import { type CanonicalUsage, emptyUsage } from "#shared/canonical/response.ts";
import type { CanonicalStreamEvent } from "#shared/canonical/stream-events.ts";
import type { GatewayError } from "#shared/errors/gateway-error.ts";
import {
  anthropicErrorEvent,
  anthropicStreamErrorType,
  anthropicTypedErrorEvent,
  contextLengthMessage,
} from "../../wire/anthropic/error-body.ts";
import { toAnthropicStopReason } from "../../wire/anthropic/stop-reason.ts";
import { toAnthropicUsage } from "../../wire/anthropic/usage.ts";
import { sealSignature } from "../../wire/signature-envelope.ts";
import { writeEventStream } from "../event-stream.ts";
import type { SurfaceRenderOptions } from "../surface.ts";
import { messageId } from "./render-shared.ts";

export function renderAnthropicStream(
  events: AsyncIterable<CanonicalStreamEvent>,
  options: SurfaceRenderOptions,
): ReadableStream<Uint8Array> {
  // Some events write nothing (usage, the held message_start); after message_stop or an error
  // event nothing more is read.
  const writer = new MessageWriter(options);
  return writeEventStream(events, {
    write: (event) => writer.write(event),
    end: () => writer.end(),
    fail: (error) => writer.failWith(error),
    finished: () => writer.done,
  });
}

type BlockKind = "text" | "thinking" | "tool_use" | "redacted_thinking";

interface OpenBlock {
  /** The canonical index it came from, and its index in this message. */
  source: number;
  index: number;
  kind: BlockKind;
  /** Thinking: Anthropic sends the whole signature in one delta, just before the block stops. */
  signature: string;
  /** Who made the signature, for its seal. */
  origin?: SignatureOrigin;
}

class MessageWriter {
  private failed = false;
  private finished = false;
  private started = false;
  private id = "";
  private model: string;
  private readonly usage: CanonicalUsage = emptyUsage();
  private open: OpenBlock | undefined;
  private nextIndex = 0;

  constructor(private readonly options: SurfaceRenderOptions) {
    this.model = options.servedModel;
  }

  get done(): boolean {
    return this.failed || this.finished;
  }

  write(event: CanonicalStreamEvent): string {
    if (this.done) return "";
    switch (event.type) {
      case "message-start":
        if (!this.started && this.id === "") {
          this.id = event.id;
          this.model ||= event.model;
        }
        return "";
      case "usage":
        for (const [key, value] of Object.entries(event.usage)) {
          if (typeof value === "number") this.usage[key as keyof CanonicalUsage] = value;
        }
        return "";
      case "text-delta":
        return this.block(event.index, "text", NO_FIELDS) + this.textDelta(event.text);
      case "thinking-delta":
        return (
          this.block(event.index, "thinking", {}) +
          this.delta({ type: "thinking_delta", thinking: event.text })
        );
      case "signature-delta": {
        const opened = this.block(event.index, "thinking", {});
        if (this.open) {
          this.open.signature += event.signature;
          this.open.origin ??= event.origin;
        }
        return opened;
      }
      case "redacted-thinking": {
        const data = sealSignature(event.data, event.origin);
        return this.block(event.index, "redacted_thinking", { data });
      }
      case "tool-call-start":
        return this.block(event.index, "tool_use", { id: event.id, name: event.name });
      case "tool-call-delta":
        // A call's arguments can only follow its own start.
        if (this.open?.source !== event.index || this.open.kind !== "tool_use") return "";
        return this.delta({ type: "input_json_delta", partial_json: event.argumentsDelta });
      case "tool-call-end":
        return this.open?.source === event.index ? this.close() : "";
      case "message-end": {
        this.finished = true;
        const delta = {
          stop_reason: toAnthropicStopReason(event.stopReason),
          stop_sequence: event.stopSequence ?? null,
        };
        const usage = toAnthropicUsage(this.usage);
        return (
          this.start() +
          this.close() +
          sse("message_delta", { type: "message_delta", delta, usage }) +
          sse("message_stop", { type: "message_stop" })
        );
      }
      case "error": {
        const message =
          event.code === "context_length" ? contextLengthMessage(event.message) : event.message;
        return this.fail(anthropicStreamErrorType(event.code), message);
      }
      default:
        return ""; // text-signature: Anthropic text blocks carry none
    }
  }

  /** The events ran out: fine after message_stop, else the stream was cut. */
  end(): string {
    if (this.done) return "";
    return this.fail("api_error", "the upstream stream ended unexpectedly");
  }

  failWith(error: GatewayError): string {
    if (this.done) return "";
    this.failed = true;
    return anthropicErrorEvent(error);
  }

  private fail(type: string, message: string): string {
    this.failed = true;
    return anthropicTypedErrorEvent(type, message);
  }

  private start(): string {
    if (this.started) return "";
    this.started = true;
    const message = {
      id: messageId(this.id),
      type: "message",
      role: "assistant",
      model: this.model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: toAnthropicUsage(this.startUsage()),
    };
    return sse("message_start", { type: "message_start", message });
  }

  /**
   * The usage known at message_start: the upstream's input count when it came before the first
   * token (Anthropic, Gemini), else the gateway's estimate; message_delta carries the real one.
   */
  private startUsage(): CanonicalUsage {
    if (this.usage.inputTokens > 0) return this.usage;
    return { ...this.usage, inputTokens: this.options.estimatedInputTokens };
  }

  /** Opens the block for canonical index `source` unless it is the open one. */
  private block(source: number, kind: BlockKind, fields: Record<string, string>): string {
    if (this.open?.source === source && this.open.kind === kind) return "";
    const text = this.start() + this.close();
    const index = this.nextIndex++;
    this.open = { source, index, kind, signature: "" };
    const contentBlock =
      kind === "text"
        ? { type: kind, text: "" }
        : kind === "thinking"
          ? { type: kind, thinking: "", signature: "" }
          : kind === "tool_use"
            ? { type: kind, id: fields.id, name: fields.name, input: {} }
            : { type: kind, data: fields.data };
    return `${text}${sse("content_block_start", { type: "content_block_start", index, content_block: contentBlock })}`;
  }

  /** `delta({ type: "text_delta", text })`, the same bytes without two objects per token. */
  private textDelta(text: string): string {
    const index = this.open?.index ?? 0;
    return `event: content_block_delta\ndata: {"type":"content_block_delta","index":${index},"delta":{"type":"text_delta","text":${JSON.stringify(text)}}}\n\n`;
  }

  private delta(delta: Record<string, unknown>): string {
    const index = this.open?.index ?? 0;
    return sse("content_block_delta", { type: "content_block_delta", index, delta });
  }

  private close(): string {
    const open = this.open;
    if (!open) return "";
    this.open = undefined;
    let text = "";
    if (open.signature !== "") {
      const delta = {
        type: "signature_delta",
        signature: sealSignature(open.signature, open.origin),
      };
      text = sse("content_block_delta", { type: "content_block_delta", index: open.index, delta });
    }
    return text + sse("content_block_stop", { type: "content_block_stop", index: open.index });
  }
}

const NO_FIELDS: Record<string, string> = Object.freeze({});

function sse(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}
