// The same-shape fast path's stream: the upstream's SSE bytes go to the client unchanged, each
// event as soon as its blank line arrives, while usage is read on the side from message_start
// and message_delta (and the thinking text from thinking_delta events, for the estimated
// reasoning count, as the adapter makes it). An upstream error event is written again in the gateway's error shape, its
// message scrubbed. Only an incomplete event is ever held back, so an error event the pipeline
// appends after a cut never lands inside half an event.
import type { CanonicalUsage } from "#shared/canonical/response.ts";
import { type Redact, redactKeyShaped } from "#shared/errors/redact.ts";
import {
  anthropicStreamErrorType,
  anthropicTypedErrorEvent,
} from "../../wire/anthropic/error-body.ts";
import { classifyAnthropicError } from "../../wire/anthropic/upstream-error.ts";
import { AnthropicUsage } from "../../wire/anthropic/usage.ts";
import { ERROR_KEY_BYTES, nextKeyAt, streamedError } from "../passthrough-errors.ts";
import {
  asBuffer,
  type ChunkTransform,
  concat,
  EventScanner,
  eventData,
  piece,
  transformChunks,
} from "../sse-events.ts";

export interface AnthropicPassthroughOptions {
  /** Called whenever an event carries usage; the last call has the final counts. */
  onUsage(usage: CanonicalUsage): void;
  /** Scrubs an upstream error's message (the org's credentials); key-shaped text by default. */
  redact?: Redact;
}

const MESSAGE_START = Buffer.from('"message_start"');
const MESSAGE_DELTA = Buffer.from('"message_delta"');
const THINKING_DELTA = Buffer.from('"thinking_delta"');
const encoder = new TextEncoder();

export function createAnthropicPassthroughStream(
  upstream: ReadableStream<Uint8Array>,
  options: AnthropicPassthroughOptions,
): ReadableStream<Uint8Array> {
  return transformChunks(upstream, createAnthropicPassthrough(options));
}

/** The fast path's reading of one stream (state per stream: make one per response). */
export function createAnthropicPassthrough(options: AnthropicPassthroughOptions): ChunkTransform {
  const scanner = new EventScanner();
  const usage = new AnthropicUsage();
  let pending: Uint8Array | undefined;
  const read = (bytes: Buffer, start: number, end: number) => {
    if (readUsage(bytes, start, end, usage)) options.onUsage(usage.toCanonical());
  };
  return {
    transform(chunk, emit) {
      // The chunk searched as a Buffer (no view, no copy), one native search per key and chunk
      // (nextKeyAt): an event is decoded only when it holds `"error"` or a type that carries
      // usage or thinking.
      const data = asBuffer(pending ? concat(pending, chunk) : chunk);
      const bytes = data;
      let errorAt = bytes.indexOf(ERROR_KEY_BYTES);
      let startAt = bytes.indexOf(MESSAGE_START);
      let deltaAt = bytes.indexOf(MESSAGE_DELTA);
      let thinkingAt = bytes.indexOf(THINKING_DELTA);
      const within = (at: number, end: number) => at !== -1 && at < end;
      let eventStart = 0;
      let runStart = 0;
      for (let end = scanner.next(data); end !== -1; end = scanner.next(data)) {
        errorAt = nextKeyAt(bytes, ERROR_KEY_BYTES, errorAt, eventStart);
        const replaced = within(errorAt, end)
          ? errorEvent(data.subarray(eventStart, end), options)
          : null;
        if (replaced) {
          if (eventStart > runStart) emit(data.subarray(runStart, eventStart));
          emit(replaced);
          runStart = end;
        } else {
          startAt = nextKeyAt(bytes, MESSAGE_START, startAt, eventStart);
          deltaAt = nextKeyAt(bytes, MESSAGE_DELTA, deltaAt, eventStart);
          thinkingAt = nextKeyAt(bytes, THINKING_DELTA, thinkingAt, eventStart);
          if (within(startAt, end) || within(deltaAt, end) || within(thinkingAt, end))
            read(bytes, eventStart, end);
        }
        eventStart = end;
      }
      // Every other complete event at once, in one piece, as the upstream wrote it.
      if (eventStart > runStart) emit(piece(data, runStart, eventStart));
      pending = eventStart < data.length ? data.subarray(eventStart) : undefined;
      scanner.rebase(eventStart);
    },
    flush(emit) {
      // A last event without its blank line: still the upstream's bytes, forwarded as they are.
      if (pending) {
        const replaced = errorEvent(pending, options);
        if (replaced) emit(replaced);
        else {
          read(asBuffer(pending), 0, pending.length);
          emit(pending);
        }
      }
      pending = undefined;
    },
  };
}

/** An upstream `error` event, written again in the gateway's shape; null for other events. */
function errorEvent(event: Uint8Array, options: AnthropicPassthroughOptions): Uint8Array | null {
  const failure = streamedError(
    event,
    (payload) => {
      const error = payload.error;
      const isError = payload.type === "error" && typeof error === "object" && error !== null;
      return isError ? (error as Record<string, unknown>) : null;
    },
    (error) => classifyAnthropicError(0, error),
    options.redact ?? redactKeyShaped,
  );
  if (!failure) return null;
  return encoder.encode(
    anthropicTypedErrorEvent(anthropicStreamErrorType(failure.kind), failure.message),
  );
}

/**
 * Reads the usage of the message_start or message_delta event at `bytes[start, end)`; returns
 * whether there was any. A thinking_delta's text goes to the reasoning estimate (it carries no
 * usage). Only events holding one of those types are passed here (or the last, held-back one).
 */
function readUsage(bytes: Buffer, start: number, end: number, usage: AnthropicUsage): boolean {
  let payload: unknown;
  try {
    payload = JSON.parse(eventData(bytes.toString("utf8", start, end)));
  } catch {
    return false;
  }
  if (typeof payload !== "object" || payload === null) return false;
  const body = payload as {
    type?: unknown;
    message?: { usage?: unknown };
    usage?: unknown;
    delta?: { type?: unknown; thinking?: unknown };
  };
  if (
    body.type === "content_block_delta" &&
    body.delta?.type === "thinking_delta" &&
    typeof body.delta.thinking === "string"
  ) {
    usage.addThinking(body.delta.thinking);
    return false;
  }
  if (body.type === "message_start") return usage.update(body.message?.usage);
  if (body.type === "message_delta") return usage.update(body.usage);
  return false;
}
