// Turns a stream recording's payload lines back into what the vendor put on the wire. Each line
// goes out byte for byte. SSE: `data: <line>` per event, preceded by `event: <type>` when the
// payload is an object with a string `type` (Anthropic, Cohere and the OpenAI Responses API name
// their events that way; Chat Completions and Gemini chunks have no `type` and no event line).
// Bedrock's binary event stream: one frame per line, `:event-type` from the payload's single
// top-level key and the key's value as the frame body (a key ending in `Exception` becomes an
// exception frame, as in the hand-written fixtures).
import { EventStreamCodec } from "@smithy/eventstream-codec";
import { fromUtf8, toUtf8 } from "@smithy/util-utf8";

const codec = new EventStreamCodec(toUtf8, fromUtf8);

export function serverSentEvents(lines: string[]): string {
  let body = "";
  for (const line of lines) {
    const type = eventType(line);
    body += type === undefined ? `data: ${line}\n\n` : `event: ${type}\ndata: ${line}\n\n`;
  }
  return body;
}

export function eventStreamFrames(lines: string[]): Uint8Array {
  return Buffer.concat(lines.map(eventStreamFrame));
}

function eventType(line: string): string | undefined {
  const payload = parseObject(line);
  return typeof payload?.type === "string" ? payload.type : undefined;
}

/** `{"contentBlockDelta":{…}}` → a frame with `:event-type: contentBlockDelta` and body `{…}`. */
function eventStreamFrame(line: string): Uint8Array {
  const payload = parseObject(line);
  const [key] = Object.keys(payload ?? {});
  if (!payload || key === undefined) {
    return codec.encode({ headers: messageHeaders("event", "unknown"), body: fromUtf8(line) });
  }
  const kind = key.endsWith("Exception") ? "exception" : "event";
  return codec.encode({
    headers: messageHeaders(kind, kind === "exception" ? upperFirst(key) : key),
    body: fromUtf8(valueText(line, payload, key)),
  });
}

function messageHeaders(kind: "event" | "exception", type: string) {
  return {
    [kind === "event" ? ":event-type" : ":exception-type"]: {
      type: "string" as const,
      value: type,
    },
    ":content-type": { type: "string" as const, value: "application/json" },
    ":message-type": { type: "string" as const, value: kind },
  };
}

const SINGLE_MEMBER = /^\s*\{\s*"(?:[^"\\]|\\.)*"\s*:\s*([\s\S]*?)\s*\}\s*$/;

/** The value's own bytes from the line when the payload has that one member, else re-encoded. */
function valueText(line: string, payload: Record<string, unknown>, key: string): string {
  const match = Object.keys(payload).length === 1 ? SINGLE_MEMBER.exec(line) : null;
  const text = match?.[1];
  if (text !== undefined) {
    try {
      JSON.parse(text);
      return text;
    } catch {
      // Not the value alone (a second member hid in it); fall through.
    }
  }
  return JSON.stringify(payload[key]);
}

function parseObject(line: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function upperFirst(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
