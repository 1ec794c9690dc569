// Splits an `application/vnd.amazon.eventstream` body into messages. Network chunks cut frames
// anywhere, so bytes are buffered until the frame's length prefix (4 bytes, big-endian, whole
// frame) is satisfied; the codec then checks both CRCs and parses the headers.
import { EventStreamCodec, type Message } from "@smithy/eventstream-codec";
import { fromUtf8, toUtf8 } from "@smithy/util-utf8";

export const eventStreamCodec = new EventStreamCodec(toUtf8, fromUtf8);

/** Prelude (12) + message CRC (4): no frame is shorter. AWS caps frames at 16 MiB. */
const MINIMUM_FRAME = 16;
const MAXIMUM_FRAME = 16 * 1024 * 1024;

export class EventStreamFramingError extends Error {
  override name = "EventStreamFramingError";
}

export async function* readEventStreamMessages(
  body: ReadableStream<Uint8Array>,
): AsyncGenerator<Message> {
  let buffer: Uint8Array = new Uint8Array(0);
  for await (const chunk of body) {
    buffer = buffer.length === 0 ? chunk : concat(buffer, chunk);
    let offset = 0;
    while (buffer.length - offset >= 4) {
      const view = new DataView(buffer.buffer, buffer.byteOffset + offset, 4);
      const length = view.getUint32(0, false);
      if (length < MINIMUM_FRAME || length > MAXIMUM_FRAME) {
        throw new EventStreamFramingError(`an event-stream frame declares ${length} bytes`);
      }
      if (buffer.length - offset < length) break;
      yield eventStreamCodec.decode(buffer.subarray(offset, offset + length));
      offset += length;
    }
    // Keep only the unread tail; a copy so the consumed chunks can be collected.
    if (offset > 0) buffer = buffer.slice(offset);
  }
  if (buffer.length > 0) {
    throw new EventStreamFramingError(
      `the event stream ended inside a frame (${buffer.length} bytes)`,
    );
  }
}

function concat(head: Uint8Array, tail: Uint8Array): Uint8Array {
  const joined = new Uint8Array(head.length + tail.length);
  joined.set(head, 0);
  joined.set(tail, head.length);
  return joined;
}
