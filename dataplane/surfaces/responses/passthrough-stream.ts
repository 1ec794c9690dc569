// The fast path's Responses stream: the upstream's SSE bytes go to the client as they are, each
// event as soon as its blank line arrives. Read on the side: the finished response
// (`response.completed` / `response.incomplete`), for usage, and handed to `onFinished` (which
// stores it) before that event is forwarded. Rewritten: an upstream `error` event and the error
// inside `response.failed`, in the gateway's closed set with the message scrubbed, since their
// text is the upstream's. Only an incomplete event is ever held back.
import type { CanonicalUsage } from "#shared/canonical/response.ts";
import type { Redact } from "#shared/errors/redact.ts";
import { openAiStreamError } from "../../wire/openai/error-body.ts";
import { classifyOpenAiError } from "../../wire/openai/upstream-error.ts";
import { streamedError } from "../passthrough-errors.ts";
import { type ChunkTransform, concat, EventScanner, eventData } from "../sse-events.ts";
import { errorFields, sseEvent } from "./sse.ts";
import { isRecord, readResponsesUsage } from "./usage.ts";

export interface ResponsesPassthroughOptions {
  onUsage(usage: CanonicalUsage): void;
  redact: Redact;
  /** The finished response, before its event goes on; a promise is awaited first. */
  onFinished(response: Record<string, unknown>): Promise<void> | undefined;
  /**
   * The client's previous_response_id when the upstream was sent the chain as items instead:
   * written into the response objects of the events, where the upstream says null.
   */
  previousResponseId?: string | null;
}

const FINISHED = [Buffer.from('"response.completed"'), Buffer.from('"response.incomplete"')];
const FAILED = Buffer.from('"response.failed"');
const ERROR = Buffer.from('"error"');
const NO_PREVIOUS = Buffer.from('"previous_response_id":null');
const decoder = new TextDecoder();
const encoder = new TextEncoder();

/** The rewrite of one stream (state per stream: make one per response). */
export function createResponsesPassthrough(options: ResponsesPassthroughOptions): ChunkTransform & {
  /** How many events went by: the next sequence number, for an event the gateway appends. */
  readonly events: number;
} {
  const scanner = new EventScanner();
  let pending: Uint8Array | undefined;
  let events = 0;
  const previous = options.previousResponseId
    ? Buffer.from(`"previous_response_id":${JSON.stringify(options.previousResponseId)}`)
    : null;

  /** Forwards the complete events of `data` from `start`; waits where onFinished asks to. */
  const forward = (
    data: Uint8Array,
    start: number,
    emit: (bytes: Uint8Array) => void,
  ): Promise<void> | undefined => {
    const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    let eventStart = start;
    let runStart = start;
    for (let end = scanner.next(data); end !== -1; end = scanner.next(data)) {
      events++;
      let event = data.subarray(eventStart, end);
      const kind = kindOf(bytes, eventStart, end);
      const echoed = previous ? withPrevious(event, previous) : null;
      if (echoed) {
        if (eventStart > runStart) emit(data.subarray(runStart, eventStart));
        runStart = end;
        event = echoed;
        if (kind === null) emit(event);
      }
      if (kind !== null) {
        if (eventStart > runStart) emit(data.subarray(runStart, eventStart));
        runStart = end;
        if (kind === "finished") {
          const waiting = finished(event, options);
          if (waiting) {
            const rest = end;
            return waiting.then((): Promise<void> | undefined => {
              emit(event);
              return forward(data, rest, emit);
            });
          }
          emit(event);
        } else emit(rewritten(event, options) ?? event);
      }
      eventStart = end;
    }
    if (eventStart > runStart) emit(data.subarray(runStart, eventStart));
    pending = eventStart < data.length ? data.slice(eventStart) : undefined;
    scanner.rebase(eventStart);
    return undefined;
  };

  return {
    get events() {
      return events;
    },
    transform(chunk, emit) {
      const data = pending ? concat(pending, chunk) : chunk;
      pending = undefined;
      return forward(data, 0, emit);
    },
    flush(emit) {
      // A last event without its blank line: still the upstream's bytes, with the same reading.
      const last = pending;
      pending = undefined;
      if (!last) return;
      const bytes = Buffer.from(last.buffer, last.byteOffset, last.byteLength);
      const kind = kindOf(bytes, 0, last.length);
      if (kind === "finished") void finished(last, options);
      emit(kind === "error" || kind === "failed" ? (rewritten(last, options) ?? last) : last);
    },
  };
}

function kindOf(bytes: Buffer, start: number, end: number): "finished" | "failed" | "error" | null {
  const has = (marker: Buffer) => {
    const at = bytes.indexOf(marker, start);
    return at !== -1 && at < end;
  };
  if (FINISHED.some(has)) return "finished";
  if (has(FAILED)) return "failed";
  // `"error":null` is in every response object: only a parse tells an error event apart.
  return has(ERROR) ? "error" : null;
}

function payloadOf(event: Uint8Array): Record<string, unknown> | null {
  try {
    const payload = JSON.parse(eventData(decoder.decode(event)));
    return isRecord(payload) ? payload : null;
  } catch {
    return null;
  }
}

/** Reads the finished response's usage and hands it on; a promise when the caller must wait. */
function finished(event: Uint8Array, options: ResponsesPassthroughOptions) {
  const payload = payloadOf(event);
  const response = payload && isRecord(payload.response) ? payload.response : null;
  if (
    !response ||
    (payload?.type !== "response.completed" && payload?.type !== "response.incomplete")
  )
    return undefined;
  const usage = readResponsesUsage(response.usage);
  if (usage) options.onUsage(usage);
  return options.onFinished(response);
}

/** An upstream error (an `error` event, or the error of `response.failed`) in the closed set. */
function rewritten(event: Uint8Array, options: ResponsesPassthroughOptions): Uint8Array | null {
  const payload = payloadOf(event);
  if (!payload) return null;
  const sequence = typeof payload.sequence_number === "number" ? payload.sequence_number : 0;
  if (payload.type === "error") {
    const failure = streamedError(
      event,
      (body) => (isRecord(body.error) ? body.error : body),
      (error) => classifyOpenAiError(0, error),
      options.redact,
    );
    if (!failure) return null;
    const error = openAiStreamError({ code: failure.kind, message: failure.message });
    return encoder.encode(sseEvent("error", sequence, errorFields(error)));
  }
  if (payload.type !== "response.failed" || !isRecord(payload.response)) return null;
  const response = payload.response;
  const usage = readResponsesUsage(response.usage);
  if (usage) options.onUsage(usage);
  if (!isRecord(response.error)) return null;
  const upstream = response.error;
  const kind = classifyOpenAiError(0, upstream);
  const message = typeof upstream.message === "string" ? options.redact(upstream.message) : "";
  const fields = errorFields(openAiStreamError({ code: kind, message: message.slice(0, 1000) }));
  const failed = { ...response, error: { code: fields.code, message: fields.message } };
  return encoder.encode(sseEvent("response.failed", sequence, { response: failed }));
}

/** The event with the response's `previous_response_id` set, or null when it has none to set. */
function withPrevious(event: Uint8Array, previous: Buffer): Uint8Array | null {
  const bytes = Buffer.from(event.buffer, event.byteOffset, event.byteLength);
  const at = bytes.indexOf(NO_PREVIOUS);
  if (at === -1) return null;
  return Buffer.concat([bytes.subarray(0, at), previous, bytes.subarray(at + NO_PREVIOUS.length)]);
}
