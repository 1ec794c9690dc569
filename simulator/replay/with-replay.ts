// Puts the replay mode in front of a wire format's POST routes. The format's own handler still
// runs first, so the call is logged and authenticated, faults apply and the body is validated as
// for any call; only a 2xx answer is replaced by the armed recording (a 429 fault followed by a
// replay tests a retry against a real answer). Whether the call streams is read from the
// handler's answer, so the replay needs no knowledge of any vendor's request shape.
import { jsonResponse } from "../common/http.ts";
import type { WireFormat } from "../formats/wire-format.ts";
import { eventStreamFrames, serverSentEvents } from "./framing.ts";
import type { LoadedRecording } from "./recordings.ts";
import type { ReplayTable } from "./replay-table.ts";

const EVENT_STREAM = "application/vnd.amazon.eventstream";
const SSE = "text/event-stream; charset=utf-8";
/** Headers of the simulated answer that describe its body, not the call. */
const BODY_HEADERS = ["content-type", "content-length", "content-encoding", "transfer-encoding"];

export function withReplay(format: WireFormat, replay: ReplayTable): WireFormat {
  const routes = format.routes.map((route) => {
    if (route.method !== "POST" || route.replayable === false) return route;
    const handle = async (request: Request): Promise<Response> => {
      if (!replay.isArmed(format.name)) return route.handle(request);
      const simulated = await route.handle(request);
      if (!simulated.ok) return simulated;
      const recording = replay.take(format.name);
      if (!recording) return simulated;
      await simulated.body?.cancel().catch(() => {});
      return replayResponse(recording, simulated);
    };
    return { ...route, handle };
  });
  return { ...format, routes };
}

function replayResponse(recording: LoadedRecording, simulated: Response): Response {
  const contentType = simulated.headers.get("content-type") ?? "";
  const streaming = contentType.includes("event-stream") || contentType.includes("eventstream");
  const headers = new Headers(simulated.headers);
  for (const name of BODY_HEADERS) headers.delete(name);
  if (streaming) {
    if (!recording.chunks) return mismatch(recording, "a stream", ".chunks.txt");
    headers.set("x-simulator-replay", recording.chunks.path);
    const binary = contentType.includes(EVENT_STREAM);
    headers.set("content-type", binary ? EVENT_STREAM : SSE);
    headers.set("cache-control", "no-cache");
    const { lines } = recording.chunks;
    const body = binary ? eventStreamFrames(lines) : serverSentEvents(lines);
    return new Response(body, { status: 200, headers });
  }
  if (!recording.json) return mismatch(recording, "a plain answer", ".json");
  headers.set("x-simulator-replay", recording.json.path);
  headers.set("content-type", "application/json");
  return new Response(recording.json.bytes, { status: 200, headers });
}

/** The armed recording has no form for this call: a loud error, since the test set it up wrong. */
function mismatch(recording: LoadedRecording, wanted: string, suffix: string): Response {
  const message = `replay: the call wants ${wanted} but the armed recording ${recording.name} has no ${suffix} form`;
  return jsonResponse({ error: { type: "replay_mismatch", message } }, 500);
}
