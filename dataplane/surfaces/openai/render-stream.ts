// Canonical stream events → Chat Completions SSE: `data: {chat.completion.chunk}` lines, the
// usage chunk when the client asked for it, then `data: [DONE]`. Each event is written as it
// arrives, except thinking: it goes in the gateway's delta field once its run ends
// (reasoning-fields.ts). A failure ends the stream with one `data: {"error":…}` line (what the OpenAI SDK
// raises as an APIError) and no [DONE].

import type { CanonicalUsage } from "#shared/canonical/response.ts";
import { emptyUsage } from "#shared/canonical/response.ts";
import type { CanonicalStreamEvent } from "#shared/canonical/stream-events.ts";
import { GatewayError } from "#shared/errors/gateway-error.ts";
import { openAiErrorEvent, openAiStreamError } from "../../wire/openai/error-body.ts";
import { toOpenAiFinishReason } from "../../wire/openai/finish-reason.ts";
import { toOpenAiUsage } from "../../wire/openai/usage.ts";
import { sealSignature } from "../../wire/signature-envelope.ts";
import { writeEventStream } from "../event-stream.ts";
import type { SurfaceRenderOptions } from "../surface.ts";
import { SIGNATURE_FIELD, StreamedThinking, THINKING_FIELD } from "./reasoning-fields.ts";
import { completionId, nowSeconds } from "./render-shared.ts";

export function renderOpenAiStream(
  events: AsyncIterable<CanonicalStreamEvent>,
  options: SurfaceRenderOptions,
): ReadableStream<Uint8Array> {
  // Some events write nothing (thinking, gathered for mlx:thinking) until their run ends.
  const writer = new ChunkWriter(options);
  return writeEventStream(events, {
    write: (event) => writer.write(event),
    end: () => writer.end(),
    fail: (error) => writer.fail(error),
    finished: () => writer.failed,
  });
}

class ChunkWriter {
  failed = false;
  private id = completionId("");
  private readonly created = nowSeconds();
  private prefix = "";
  private started = false;
  private finished = false;
  private readonly toolIndexes = new Map<number, number>();
  private readonly usage: CanonicalUsage = emptyUsage();
  private readonly thinking = new StreamedThinking();

  constructor(private readonly options: SurfaceRenderOptions) {
    this.setPrefix();
  }

  write(event: CanonicalStreamEvent): string {
    if (this.failed) return "";
    switch (event.type) {
      case "message-start":
        if (this.started) return "";
        if (event.id !== "") {
          this.id = completionId(event.id);
          this.setPrefix();
        }
        return this.start();
      case "text-delta":
        return this.start() + this.thinkingChunk() + this.textChunk(event.text);
      case "thinking-delta":
        this.thinking.text(event.index, event.text);
        return "";
      case "signature-delta":
        this.thinking.signature(event.index, event.signature, event.origin);
        return "";
      case "redacted-thinking":
        this.thinking.redacted(event.index, event.data, event.origin);
        return "";
      case "text-signature": {
        const signature = sealSignature(event.signature, event.origin);
        return this.start() + this.thinkingChunk() + this.chunk({ [SIGNATURE_FIELD]: signature });
      }
      case "tool-call-start": {
        const index = this.toolIndexes.size;
        this.toolIndexes.set(event.index, index);
        const call: Record<string, unknown> = {
          index,
          id: event.id,
          type: "function",
          function: { name: event.name, arguments: "" },
        };
        if (event.signature) call[SIGNATURE_FIELD] = sealSignature(event.signature, event.origin);
        return this.start() + this.thinkingChunk() + this.chunk({ tool_calls: [call] });
      }
      case "tool-call-delta": {
        const index = this.toolIndexes.get(event.index);
        if (index === undefined) return "";
        return this.chunk({
          tool_calls: [{ index, function: { arguments: event.argumentsDelta } }],
        });
      }
      case "usage":
        Object.assign(this.usage, event.usage);
        return "";
      case "message-end":
        if (this.finished) return "";
        this.finished = true;
        return (
          this.start() +
          this.thinkingChunk() +
          this.chunk({}, toOpenAiFinishReason(event.stopReason))
        );
      case "error":
        return this.fail(openAiStreamError(event));
      default:
        return "";
    }
  }

  /** The events ran out: usage and [DONE] after a finished message, else an error line. */
  end(): string {
    if (this.failed) return "";
    if (!this.finished) {
      return this.fail(
        new GatewayError("upstream_error", "the upstream stream ended unexpectedly"),
      );
    }
    let lines = "";
    if (this.options.includeUsage) {
      lines += `${this.prefix}[],"usage":${JSON.stringify(toOpenAiUsage(this.usage))}}\n\n`;
    }
    return `${lines}data: [DONE]\n\n`;
  }

  fail(error: GatewayError): string {
    if (this.failed) return "";
    this.failed = true;
    return openAiErrorEvent(error);
  }

  /** The first chunk carries the role, as OpenAI's does. */
  private start(): string {
    if (this.started) return "";
    this.started = true;
    return this.chunk({ role: "assistant", content: "" });
  }

  /** The thinking so far, once a run of it has ended (nothing when it did not change). */
  private thinkingChunk(): string {
    const thinking = this.thinking.take();
    return thinking ? this.chunk({ [THINKING_FIELD]: thinking }) : "";
  }

  /** `chunk({ content: text })`, the same bytes without a delta object per token. */
  private textChunk(text: string): string {
    return `${this.prefix}[{"index":0,"delta":{"content":${JSON.stringify(text)}},"logprobs":null,"finish_reason":null}]}\n\n`;
  }

  private chunk(delta: Record<string, unknown>, finishReason: string | null = null): string {
    const finish = finishReason === null ? "null" : `"${finishReason}"`;
    return `${this.prefix}[{"index":0,"delta":${JSON.stringify(delta)},"logprobs":null,"finish_reason":${finish}}]}\n\n`;
  }

  private setPrefix(): void {
    const model = JSON.stringify(this.options.servedModel);
    this.prefix = `data: {"id":${JSON.stringify(this.id)},"object":"chat.completion.chunk","created":${this.created},"model":${model},"choices":`;
  }
}
