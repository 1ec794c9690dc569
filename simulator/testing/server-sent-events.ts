// A spec-following server-sent-events reader for tests and benchmark scripts: they must read
// the simulator's streams the way a client does, not with regexes over the raw text.

export interface ServerSentEvent {
  /** The `event:` field, or "message" when the event had none. */
  event: string;
  data: string;
}

/** Parses a complete event-stream text; an event without a terminating blank line is dropped. */
export function parseServerSentEvents(text: string): ServerSentEvent[] {
  const events: ServerSentEvent[] = [];
  let eventType = "";
  let data: string[] = [];
  for (const line of text.split(/\r\n|\r|\n/)) {
    if (line === "") {
      if (data.length > 0) events.push({ event: eventType || "message", data: data.join("\n") });
      eventType = "";
      data = [];
      continue;
    }
    if (line.startsWith(":")) continue;
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "event") eventType = value;
    else if (field === "data") data.push(value);
  }
  return events;
}

/** Reads a streamed response to its end, chunk by chunk, and parses its events. */
export async function readServerSentEvents(response: Response): Promise<ServerSentEvent[]> {
  return parseServerSentEvents(await readStreamText(response));
}

/** The text of a streamed body as it arrived, whether it ended cleanly or was cut. */
export async function readStreamUntilClosed(
  response: Response,
): Promise<{ text: string; failed: boolean }> {
  const reader = response.body?.getReader();
  if (!reader) return { text: "", failed: false };
  const decoder = new TextDecoder();
  let text = "";
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return { text, failed: false };
      text += decoder.decode(value, { stream: true });
    }
  } catch {
    return { text, failed: true };
  }
}

async function readStreamText(response: Response): Promise<string> {
  const { text, failed } = await readStreamUntilClosed(response);
  if (failed) throw new Error(`the stream broke off after ${text.length} characters`);
  return text;
}
