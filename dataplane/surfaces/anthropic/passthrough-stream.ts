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
import { streamedError } from "../passthrough-errors.ts";
import {
  type ChunkTransform,
  concat,
  EventScanner,
  eventData,
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
const decoder = new TextDecoder();
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
  const read = (event: Uint8Array) => {
    if (readUsage(event, usage)) options.onUsage(usage.toCanonical());
  };
  return {
    transform(chunk, emit) {
      const data = pending ? concat(pending, chunk) : chunk;
      let eventStart = 0;
      let runStart = 0;
      for (let end = scanner.next(data); end !== -1; end = scanner.next(data)) {
        const event = data.subarray(eventStart, end);
        const replaced = errorEvent(event, options);
        if (replaced) {
          if (eventStart > runStart) emit(data.subarray(runStart, eventStart));
          emit(replaced);
          runStart = end;
        } else read(event);
        eventStart = end;
      }
      // Every other complete event at once, in one piece, as the upstream wrote it.
      if (eventStart > runStart) emit(data.subarray(runStart, eventStart));
      pending = eventStart < data.length ? data.slice(eventStart) : undefined;
      scanner.rebase(eventStart);
    },
    flush(emit) {
      // A last event without its blank line: still the upstream's bytes, forwarded as they are.
      if (pending) {
        const replaced = errorEvent(pending, options);
        if (replaced) emit(replaced);
        else {
          read(pending);
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
 * Reads the usage of a message_start or message_delta event; returns whether there was any. A
 * thinking_delta's text goes to the reasoning estimate (it carries no usage).
 */
function readUsage(event: Uint8Array, usage: AnthropicUsage): boolean {
  const bytes = Buffer.from(event.buffer, event.byteOffset, event.byteLength);
  // Only the two event types that carry usage are decoded; text deltas cost two byte searches.
  if (
    bytes.indexOf(MESSAGE_START) === -1 &&
    bytes.indexOf(MESSAGE_DELTA) === -1 &&
    bytes.indexOf(THINKING_DELTA) === -1
  ) {
    return false;
  }
  let payload: unknown;
  try {
    payload = JSON.parse(eventData(decoder.decode(event)));
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
