// Traces on the JetStream stream MODELUX_TRACES: data planes publish their encoded rows, many to
// a message (publishTraceLines: one message per chunk of a write-ahead-log segment), or a record
// per message (publishTraces), and wait for the stream's acks; the control plane's ingester
// reads them through the durable pull consumer `modelux-ingest` and acks a batch once it is on
// disk. Every message is NDJSON of trace lines (trace-lines.ts), decoded only when read.
import {
  AckPolicy,
  DeliverPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
  RetentionPolicy,
  StorageType,
} from "@nats-io/jetstream";
import { type NatsConnection, nanos } from "@nats-io/transport-node";
import {
  type Subscription,
  type TraceBatch,
  type TraceConsumerOptions,
  TraceRecordsTooLargeError,
} from "./bus.ts";
import { type TraceRecord, traceRecordSchema } from "./envelopes.ts";
import { encodeStrict } from "./message-codec.ts";
import {
  TRACE_CONSUMER,
  TRACE_LINES_SUBJECT,
  TRACE_STREAM,
  TRACE_SUBJECT_PREFIX,
  traceSubject,
} from "./subjects.ts";
import {
  chunkTraceLines,
  decodeTraceLines,
  requestIdOfLine,
  traceLinesMessageId,
} from "./trace-lines.ts";

const DEFAULT_CONSUMER_OPTIONS: TraceConsumerOptions = { maxBatch: 100, maxWaitMs: 1000 };
// The client refuses pull requests that expire sooner than this.
const MIN_FETCH_EXPIRES_MS = 1000;
// Publishes awaited together: enough to hide the round trip, few enough not to flood the server.
const PUBLISH_CHUNK = 256;
// Re-sending a record (a spool drained after an outage) within this window is stored once.
const DUPLICATE_WINDOW_MS = 120_000;
// An ingester may hold several batches while it fills a Parquet file; the default 1000 stalls it.
const MAX_ACK_PENDING = 20_000;
const FAILED_BATCH_RETRY_MS = 1000;
const FETCH_RETRY_MS = 1000;
// What a published record's headers add to its size on the wire (`Nats-Msg-Id: <request id>`).
const HEADER_BYTES = 128;
// The server's JSStreamMessageExceedsMaximumErr: larger than the stream's max_msg_size.
const STREAM_MESSAGE_TOO_LARGE = 10054;

/** Creates the stream, or brings an existing one to this configuration. */
export async function ensureTraceStream(jsm: JetStreamManager): Promise<void> {
  const config = {
    subjects: [`${TRACE_SUBJECT_PREFIX}.>`],
    storage: StorageType.File,
    // Work-queue retention removes a record once acked, as the in-process queue does; the
    // warehouse is where traces are kept.
    retention: RetentionPolicy.Workqueue,
    duplicate_window: nanos(DUPLICATE_WINDOW_MS),
  };
  const exists = await jsm.streams.info(TRACE_STREAM).then(
    () => true,
    (error: Error) => {
      if (isNotFound(error)) return false;
      throw error;
    },
  );
  // A concurrent add with the same configuration succeeds, so two processes starting together agree.
  if (exists) await jsm.streams.update(TRACE_STREAM, config);
  else await jsm.streams.add({ name: TRACE_STREAM, ...config });
}

/**
 * Publishes every record that fits in a message of `maxPayloadBytes`; a record that does not (or
 * that the client or server refuses as too large) is left out and named in the
 * TraceRecordsTooLargeError thrown once the rest are stored. Any other failure is thrown as is.
 */
export async function publishTraceRecords(
  js: JetStreamClient,
  records: TraceRecord[],
  maxPayloadBytes: number,
): Promise<void> {
  // Validate all before sending any, so a rejected call publishes nothing.
  const encoded = records.map((record) => encodeStrict(traceRecordSchema, record, "trace record"));
  const refused: Array<{ request_id: string; bytes: number }> = [];
  let failure: unknown = null;
  for (let start = 0; start < records.length; start += PUBLISH_CHUNK) {
    const chunk = records.slice(start, start + PUBLISH_CHUNK);
    const sizes: number[] = [];
    const settled = await Promise.allSettled(
      chunk.map(async (record, index) => {
        const text = encoded[start + index] as string;
        // Bytes, not characters: the limit is on the encoded message.
        const bytes = Buffer.byteLength(text);
        sizes[index] = bytes;
        if (bytes + HEADER_BYTES > maxPayloadBytes) throw new TooLarge();
        await js.publish(traceSubject(subjectToken(record.project_id)), text, {
          msgID: record.request_id,
        });
      }),
    );
    settled.forEach((outcome, index) => {
      if (outcome.status === "fulfilled") return;
      const record = chunk[index] as TraceRecord;
      if (isTooLarge(outcome.reason))
        refused.push({ request_id: record.request_id, bytes: sizes[index] ?? 0 });
      else failure ??= outcome.reason;
    });
  }
  if (failure !== null) throw failure;
  if (refused.length > 0) throw new TraceRecordsTooLargeError(refused);
}

/**
 * Publishes encoded trace lines as they are, cut at line ends into messages that fit in
 * `maxPayloadBytes` (with room for the dedup header), each with an id derived from its bytes so
 * a resend is stored once. Lines longer than a message are left out and named in the
 * TraceRecordsTooLargeError thrown once the rest are stored; any other failure is thrown as is.
 */
export async function publishTraceLines(
  js: JetStreamClient,
  lines: Uint8Array,
  maxPayloadBytes: number,
): Promise<void> {
  const { messages, oversized } = chunkTraceLines(lines, maxPayloadBytes - HEADER_BYTES);
  const refused = oversized.map((line) => ({
    request_id: requestIdOfLine(line),
    bytes: line.byteLength,
  }));
  let failure: unknown = null;
  for (let start = 0; start < messages.length; start += PUBLISH_CHUNK) {
    const settled = await Promise.allSettled(
      messages
        .slice(start, start + PUBLISH_CHUNK)
        .map((message) =>
          js.publish(TRACE_LINES_SUBJECT, message, { msgID: traceLinesMessageId(message) }),
        ),
    );
    for (const outcome of settled) if (outcome.status === "rejected") failure ??= outcome.reason;
  }
  if (failure !== null) throw failure;
  if (refused.length > 0) throw new TraceRecordsTooLargeError(refused);
}

class TooLarge extends Error {}

/** Refused for its size: by the check above, the client (max_payload) or the stream (max_msg_size). */
function isTooLarge(error: unknown): boolean {
  if (error instanceof TooLarge) return true;
  if (error instanceof JetStreamApiError && error.code === STREAM_MESSAGE_TOO_LARGE) return true;
  return error instanceof Error && error.message.includes("max_payload size exceeded");
}

export async function consumeTraceRecords(
  connection: NatsConnection,
  js: JetStreamClient,
  jsm: JetStreamManager,
  ackWaitMs: number,
  onBatch: (batch: TraceBatch) => Promise<void>,
  options: Partial<TraceConsumerOptions> = {},
): Promise<Subscription> {
  const { maxBatch, maxWaitMs } = { ...DEFAULT_CONSUMER_OPTIONS, ...options };
  await ensureTraceConsumer(jsm, ackWaitMs);
  const consumer = await js.consumers.get(TRACE_STREAM, TRACE_CONSUMER);
  let active = true;
  let stopFetch: (() => void) | null = null;

  // The server holds a pull open until the batch is full or the pull expires, so a partial
  // batch waits at most the expiry; the client refuses expiries under one second.
  const expiresMs = Math.max(MIN_FETCH_EXPIRES_MS, maxWaitMs);
  if (ackWaitMs <= expiresMs) {
    console.warn(
      `bus: trace ack wait ${ackWaitMs} ms is not longer than the batch wait ${expiresMs} ms; ` +
        "partial batches will be redelivered before they are handed over",
    );
  }

  const loop = (async () => {
    while (active) {
      // Keyed by stream sequence: a record redelivered within one pull is handed over once.
      const messages = new Map<number, JsMsg>();
      try {
        const fetched = await consumer.fetch({ max_messages: maxBatch, expires: expiresMs });
        stopFetch = () => void fetched.close();
        for await (const message of fetched) messages.set(message.seq, message);
      } catch (error) {
        if (active) {
          console.warn(`bus: trace fetch failed: ${(error as Error).message}`);
          await Bun.sleep(FETCH_RETRY_MS);
          await recreateIfMissing(jsm, ackWaitMs);
        }
      } finally {
        stopFetch = null;
      }
      if (!active) {
        // Stopped mid-fetch: hand these back now rather than after the ack wait.
        for (const message of messages.values()) message.nak();
        break;
      }
      const batch = toBatch(connection, [...messages.values()]);
      if (batch === null) continue;
      try {
        await onBatch(batch.batch);
      } catch (error) {
        console.error(`bus: trace batch handler threw: ${(error as Error).message}`);
        await batch.nakAfter(FAILED_BATCH_RETRY_MS);
      }
    }
  })();

  return {
    // Waits for a running batch handler, so do not call it from inside onBatch.
    unsubscribe: async () => {
      active = false;
      stopFetch?.();
      await loop;
    },
  };
}

/** After a failed pull: bring back a stream or consumer someone deleted; quiet while offline. */
async function recreateIfMissing(jsm: JetStreamManager, ackWaitMs: number): Promise<void> {
  try {
    await ensureTraceStream(jsm);
    await ensureTraceConsumer(jsm, ackWaitMs);
  } catch {
    // Still unreachable; the next pull reports it.
  }
}

async function ensureTraceConsumer(jsm: JetStreamManager, ackWaitMs: number): Promise<void> {
  const config = {
    ack_policy: AckPolicy.Explicit,
    ack_wait: nanos(ackWaitMs),
    max_ack_pending: MAX_ACK_PENDING,
  };
  const existing = await jsm.consumers.info(TRACE_STREAM, TRACE_CONSUMER).catch((error: Error) => {
    if (isNotFound(error)) return null;
    throw error;
  });
  if (existing === null) {
    await jsm.consumers.add(TRACE_STREAM, {
      durable_name: TRACE_CONSUMER,
      deliver_policy: DeliverPolicy.All,
      ...config,
    });
  } else if (
    existing.config.ack_wait !== config.ack_wait ||
    existing.config.max_ack_pending !== config.max_ack_pending
  ) {
    await jsm.consumers.update(TRACE_STREAM, TRACE_CONSUMER, config);
  }
}

function toBatch(connection: NatsConnection, messages: JsMsg[]) {
  if (messages.length === 0) return null;
  let records: TraceRecord[] | undefined;
  let settled = false;
  const settle = () => {
    if (settled) return false;
    settled = true;
    return true;
  };
  const nakAfter = async (delayMs?: number) => {
    if (!settle()) return;
    for (const message of messages) message.nak(delayMs);
    await connection.flush();
  };
  const batch: TraceBatch = {
    messages: messages.length,
    // Decoded when first read. A line no reader can use is dropped with a warning (its message
    // is acked with the rest: redelivering it would not make it readable).
    get records() {
      if (records === undefined) {
        records = [];
        let unusable = 0;
        for (const message of messages) {
          const decoded = decodeTraceLines(message.data);
          unusable += decoded.unusable;
          for (const record of decoded.records) records.push(record);
        }
        if (unusable > 0) console.warn(`bus: dropped ${unusable} trace lines that are not records`);
      }
      return records;
    },
    ack: async () => {
      if (!settle()) return;
      // ackAck waits for the server, so a resolved ack means the records will not come back.
      const confirmed = await Promise.all(messages.map((message) => message.ackAck()));
      const unconfirmed = confirmed.filter((ok) => !ok).length;
      if (unconfirmed > 0) throw new Error(`${unconfirmed} trace acks were not confirmed`);
    },
    nak: () => nakAfter(),
  };
  return { batch, nakAfter };
}

/** Project ids are safe subject tokens today; this keeps an odd one from splitting the subject. */
function subjectToken(value: string): string {
  return value.replace(/[^A-Za-z0-9_-]/g, "_") || "_";
}

function isNotFound(error: Error): boolean {
  return (
    error instanceof JetStreamApiError &&
    (error.code === JetStreamApiCodes.StreamNotFound ||
      error.code === JetStreamApiCodes.ConsumerNotFound)
  );
}
