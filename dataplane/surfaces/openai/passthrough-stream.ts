// The same-shape fast path's stream: the upstream's SSE bytes go to the client as they are, each
// event as soon as its blank line arrives, while usage is read on the side. The one change: the
// usage-only chunk (`choices: []` with `usage`) is dropped when the client did not ask for it,
// and an upstream error chunk is written again in the gateway's error shape, scrubbed.
// Only an incomplete event is ever held back.
import type { CanonicalUsage } from "#shared/canonical/response.ts";
import { type Redact, redactKeyShaped } from "#shared/errors/redact.ts";
import { openAiErrorEvent, openAiStreamError } from "../../wire/openai/error-body.ts";
import { classifyOpenAiError } from "../../wire/openai/upstream-error.ts";
import { convertOpenAiUsage } from "../../wire/openai/usage.ts";
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

const encoder = new TextEncoder();

export interface PassthroughStreamOptions {
  stripUsageChunk: boolean;
  /** Called for every chunk carrying usage; the last call has the final counts. */
  onUsage(usage: CanonicalUsage): void;
  /** Called once per complete SSE event, before it is forwarded (first-token timing). */
  onEvent?(): void;
  /** Scrubs an upstream error's message (the org's credentials); key-shaped text by default. */
  redact?: Redact;
}

const USAGE_KEY = Buffer.from('"usage"');

export function createOpenAiPassthroughStream(
  upstream: ReadableStream<Uint8Array>,
  options: PassthroughStreamOptions,
): ReadableStream<Uint8Array> {
  return transformChunks(upstream, createOpenAiPassthrough(options));
}

/** The fast path's rewrite of one stream (state per stream: make one per response). */
export function createOpenAiPassthrough(options: PassthroughStreamOptions): ChunkTransform {
  const scanner = new EventScanner();
  let pending: Uint8Array | undefined;
  return {
    transform(chunk, emit) {
      // The chunk is searched as a Buffer (no view, no copy), one native search per key and
      // chunk; only an event holding `"error"` is looked at as a possible error event, and a
      // chunk of whole events that changes nothing goes on as it came.
      const data = asBuffer(pending ? concat(pending, chunk) : chunk);
      let errorAt = data.indexOf(ERROR_KEY_BYTES);
      let usageAt = data.indexOf(USAGE_KEY);
      let eventStart = 0;
      let runStart = 0;
      for (let end = scanner.next(data); end !== -1; end = scanner.next(data)) {
        options.onEvent?.();
        errorAt = nextKeyAt(data, ERROR_KEY_BYTES, errorAt, eventStart);
        usageAt = nextKeyAt(data, USAGE_KEY, usageAt, eventStart);
        const replaced =
          errorAt !== -1 && errorAt < end
            ? errorEvent(data.subarray(eventStart, end), options)
            : null;
        if (replaced || readUsage(data, eventStart, end, usageAt, options)) {
          if (eventStart > runStart) emit(data.subarray(runStart, eventStart));
          if (replaced) emit(replaced);
          runStart = end;
        }
        eventStart = end;
      }
      // Buffers: what counts the sent text searches them as they are.
      if (eventStart > runStart) emit(piece(data, runStart, eventStart));
      pending = eventStart < data.length ? data.subarray(eventStart) : undefined;
      scanner.rebase(eventStart);
    },
    flush(emit) {
      // A last event without its blank line: still the upstream's bytes, forwarded as they are.
      const last = pending;
      pending = undefined;
      if (!last) return;
      const bytes = asBuffer(last);
      const replaced = errorEvent(last, options);
      if (replaced) emit(replaced);
      else if (!readUsage(bytes, 0, last.length, bytes.indexOf(USAGE_KEY), options)) emit(last);
    },
  };
}

/** An upstream `{"error": …}` chunk, written again in the gateway's shape; null for others. */
function errorEvent(event: Uint8Array, options: PassthroughStreamOptions): Uint8Array | null {
  const failure = streamedError(
    event,
    (payload) => (isRecord(payload.error) ? payload.error : null),
    (error) => classifyOpenAiError(0, error),
    options.redact ?? redactKeyShaped,
  );
  if (!failure) return null;
  const error = openAiStreamError({ code: failure.kind, message: failure.message });
  return encoder.encode(openAiErrorEvent(error));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Reads usage from the event at `bytes[start, end)` when it has any and reports it; returns whether the
 * event is to be dropped. `usageAt` is the first `"usage"` at or after the event's start (-1: none
 * in the chunk), found once per chunk and carried forward, so an event without the key costs no
 * search of its own. Only events whose bytes hold `"usage": {` are decoded, so the text chunks
 * (which carry `"usage": null` when usage was asked for) cost one byte search.
 */
function readUsage(
  bytes: Buffer,
  start: number,
  end: number,
  usageAt: number,
  options: PassthroughStreamOptions,
): boolean {
  if (usageAt === -1 || usageAt >= end || !hasUsageObject(bytes, usageAt, end)) return false;
  let payload: unknown;
  try {
    payload = JSON.parse(eventData(bytes.toString("utf8", start, end)));
  } catch {
    return false;
  }
  if (typeof payload !== "object" || payload === null) return false;
  const chunk = payload as Record<string, unknown>;
  const usage = convertOpenAiUsage(chunk.usage);
  if (!usage) return false;
  options.onUsage(usage);
  return options.stripUsageChunk && Array.isArray(chunk.choices) && chunk.choices.length === 0;
}

function hasUsageObject(bytes: Buffer, start: number, end: number): boolean {
  for (let at = bytes.indexOf(USAGE_KEY, start); at !== -1 && at < end; ) {
    let i = at + USAGE_KEY.length;
    while (i < end && bytes[i] === 0x20) i++;
    if (i < end && bytes[i] === 0x3a) {
      // ':'
      i++;
      while (i < end && bytes[i] === 0x20) i++;
      if (i < end && bytes[i] === 0x7b) return true; // '{'
    }
    at = bytes.indexOf(USAGE_KEY, at + 1);
  }
  return false;
}
