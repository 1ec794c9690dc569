// The fast path's Responses stream: the upstream's SSE bytes go to the client as they are, each
// event as soon as its blank line arrives. Read on the side: the finished response
// (`response.completed` / `response.incomplete`), for usage, and handed to `onFinished` (which
// stores it) once that event is forwarded. Events are told apart by name (a few byte
// comparisons); only those four kinds are ever decoded. Rewritten: an upstream `error` event and the error
// inside `response.failed`, in the gateway's closed set with the message scrubbed, since their
// text is the upstream's. Only an incomplete event is ever held back.
import type { CanonicalUsage } from "#shared/canonical/response.ts";
import type { Redact } from "#shared/errors/redact.ts";
import { openAiStreamError } from "../../wire/openai/error-body.ts";
import { classifyOpenAiError } from "../../wire/openai/upstream-error.ts";
import { nextKeyAt, streamedError } from "../passthrough-errors.ts";
import {
  asBuffer,
  type ChunkTransform,
  concat,
  EventScanner,
  eventData,
  piece,
} from "../sse-events.ts";
import { jsonMember } from "./json-member.ts";
import { errorFields, sseEvent } from "./sse.ts";
import { isRecord, readResponsesUsage } from "./usage.ts";

export interface ResponsesPassthroughOptions {
  onUsage(usage: CanonicalUsage): void;
  redact: Redact;
  /**
   * The finished response, called once its event has gone to the client (the store is written
   * off the client's path; readable by every data plane within a second), with its JSON as the
   * upstream sent it (null when it cannot be cut out), to be stored without serializing it again.
   */
  onFinished(response: Record<string, unknown>, json: string | null): void;
  /**
   * The client's previous_response_id when the upstream was sent the chain as items instead:
   * written into the response objects of the events, where the upstream says null.
   */
  previousResponseId?: string | null;
}

const NO_PREVIOUS = Buffer.from('"previous_response_id":null');
const EVENT_FIELD = Buffer.from("event:");
const TYPE_KEY = Buffer.from('"type"');
const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const QUOTE = 0x22;
const COLON = 0x3a;
/** The events read or rewritten, by name; every other event goes on as bytes, never parsed. */
const KINDS: ReadonlyArray<readonly [Buffer, EventKind]> = [
  [Buffer.from("response.completed"), "finished"],
  [Buffer.from("response.incomplete"), "finished"],
  [Buffer.from("response.failed"), "failed"],
  [Buffer.from("error"), "error"],
];
type EventKind = "finished" | "failed" | "error";
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

  /** Forwards the complete events of `data`, the runs of events it does not change as they are. */
  const forward = (data: Buffer, emit: (bytes: Uint8Array) => void): void => {
    let eventStart = 0;
    let runStart = 0;
    // Searched once per chunk, then again only past an event that held it (nextKeyAt).
    let previousAt = previous ? data.indexOf(NO_PREVIOUS) : -1;
    for (let end = scanner.next(data); end !== -1; end = scanner.next(data)) {
      events++;
      const kind = kindOf(data, eventStart, end);
      previousAt = nextKeyAt(data, NO_PREVIOUS, previousAt, eventStart);
      // A view of the event only for one that is read or rewritten: the deltas go on unseen.
      const echoed =
        previous && previousAt !== -1 && previousAt < end
          ? withPrevious(data, eventStart, end, previousAt, previous)
          : null;
      if (echoed === null && kind === null) {
        eventStart = end;
        continue;
      }
      let event: Uint8Array = data.subarray(eventStart, end);
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
          const done = finished(event, options);
          emit(event);
          // Stored after its last event went out, off the client's path.
          if (done) options.onFinished(done.response, done.json);
        } else emit(rewritten(event, options) ?? event);
      }
      eventStart = end;
    }
    if (eventStart > runStart) emit(piece(data, runStart, eventStart));
    pending = eventStart < data.length ? data.subarray(eventStart) : undefined;
    scanner.rebase(eventStart);
  };

  return {
    get events() {
      return events;
    },
    transform(chunk, emit) {
      // Searched as a Buffer: no view, no copy (sse-events.ts).
      const data = asBuffer(pending ? concat(pending, chunk) : chunk);
      pending = undefined;
      forward(data, emit);
    },
    flush(emit) {
      // A last event without its blank line: still the upstream's bytes, with the same reading.
      const last = pending;
      pending = undefined;
      if (!last) return;
      const bytes = asBuffer(last);
      const kind = kindOf(bytes, 0, last.length);
      const done = kind === "finished" ? finished(last, options) : null;
      emit(kind === "error" || kind === "failed" ? (rewritten(last, options) ?? last) : last);
      if (done) options.onFinished(done.response, done.json);
    },
  };
}

/**
 * What the event at `bytes[start, end)` is, from its name alone: the `event:` line OpenAI sends
 * first, or else the data's first `"type"` (OpenAI writes it first). Costs a few byte
 * comparisons per event: the text deltas, nearly all of a stream, are never decoded.
 */
function kindOf(bytes: Buffer, start: number, end: number): EventKind | null {
  let at = start;
  while (at < end && (bytes[at] === LF || bytes[at] === CR)) at++;
  if (bytes.compare(EVENT_FIELD, 0, EVENT_FIELD.length, at, at + EVENT_FIELD.length) === 0) {
    let from = at + EVENT_FIELD.length;
    if (bytes[from] === SPACE) from++;
    let to = from;
    while (to < end && bytes[to] !== LF && bytes[to] !== CR) to++;
    return kindNamed(bytes, from, to);
  }
  const key = bytes.indexOf(TYPE_KEY, at);
  if (key === -1 || key >= end) return null;
  let from = key + TYPE_KEY.length;
  while (from < end && bytes[from] === SPACE) from++;
  if (bytes[from] !== COLON) return null;
  from++;
  while (from < end && bytes[from] === SPACE) from++;
  if (bytes[from] !== QUOTE) return null;
  from++;
  const to = bytes.indexOf(QUOTE, from);
  return to === -1 || to >= end ? null : kindNamed(bytes, from, to);
}

function kindNamed(bytes: Buffer, from: number, to: number): EventKind | null {
  for (const [name, kind] of KINDS) {
    if (to - from === name.length && bytes.compare(name, 0, name.length, from, to) === 0)
      return kind;
  }
  return null;
}

function payloadOf(event: Uint8Array): Record<string, unknown> | null {
  return parsedData(event)?.payload ?? null;
}

/** The event's data, parsed (an object), with its JSON text. */
function parsedData(event: Uint8Array): { payload: Record<string, unknown>; data: string } | null {
  try {
    const data = eventData(decoder.decode(event));
    const payload = JSON.parse(data);
    return isRecord(payload) ? { payload, data } : null;
  } catch {
    return null;
  }
}

/**
 * The finished response (its usage reported) and its JSON as sent, or null when the event does
 * not hold one.
 */
function finished(
  event: Uint8Array,
  options: ResponsesPassthroughOptions,
): { response: Record<string, unknown>; json: string | null } | null {
  const parsed = parsedData(event);
  const payload = parsed?.payload;
  const response = payload && isRecord(payload.response) ? payload.response : null;
  if (
    !parsed ||
    !response ||
    (payload?.type !== "response.completed" && payload?.type !== "response.incomplete")
  )
    return null;
  const usage = readResponsesUsage(response.usage);
  if (usage) options.onUsage(usage);
  // Parsed above, so the text is JSON: the member is cut out, not written again.
  return { response, json: jsonMember(parsed.data, "response") };
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

/**
 * The event at `bytes[start, end)` with the response's `previous_response_id` (null at `at`)
 * set to `previous`.
 */
function withPrevious(
  bytes: Buffer,
  start: number,
  end: number,
  at: number,
  previous: Buffer,
): Buffer {
  return Buffer.concat([
    bytes.subarray(start, at),
    previous,
    bytes.subarray(at + NO_PREVIOUS.length, end),
  ]);
}
