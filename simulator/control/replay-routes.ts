// The replay mode's control API: `POST /_sim/replay {format, recording, count?}` arms the next
// `count` calls of a wire format to answer with a recording, byte for byte; `GET` lists what is
// armed, `DELETE` disarms everything, `GET /_sim/replay/recordings` lists the recordings.
import * as v from "valibot";
import { jsonResponse } from "../common/http.ts";
import { describeIssue } from "../common/validation.ts";
import type { FormatRoute } from "../formats/wire-format.ts";
import {
  type LoadedRecording,
  listRecordings,
  loadRecording,
  RecordingError,
} from "../replay/recordings.ts";
import type { ReplayTable } from "../replay/replay-table.ts";

const replayRequestSchema = v.strictObject({
  format: v.pipe(v.string(), v.minLength(1)),
  recording: v.pipe(v.string(), v.minLength(1)),
  count: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1)), 1),
});

export interface ReplayRouteOptions {
  /** Where recordings are read from. */
  root: string;
  /** The wire formats the simulator speaks; only these can be armed. */
  formats: string[];
}

function badRequest(message: string, status = 400): Response {
  return jsonResponse({ error: { message } }, status);
}

export function replayRoutes(replay: ReplayTable, options: ReplayRouteOptions): FormatRoute[] {
  const armedBody = () => ({ replays: replay.list() });
  return [
    { method: "GET", path: "/_sim/replay", handle: () => jsonResponse(armedBody()) },
    {
      method: "GET",
      path: "/_sim/replay/recordings",
      handle: async () => jsonResponse({ recordings: await listRecordings(options.root) }),
    },
    {
      method: "DELETE",
      path: "/_sim/replay",
      handle() {
        replay.clear();
        return jsonResponse(armedBody());
      },
    },
    {
      method: "POST",
      path: "/_sim/replay",
      async handle(request) {
        let value: unknown;
        try {
          value = await request.json();
        } catch {
          return badRequest("the body is not valid JSON");
        }
        // Arm all or nothing: every item is checked and read before any is armed.
        const armed: Array<{ format: string; recording: LoadedRecording; count: number }> = [];
        for (const item of Array.isArray(value) ? value : [value]) {
          const parsed = v.safeParse(replayRequestSchema, item);
          if (!parsed.success) {
            const problem = describeIssue(parsed.issues);
            return badRequest(
              problem.param ? `${problem.param}: ${problem.message}` : problem.message,
            );
          }
          const { format, recording, count } = parsed.output;
          if (!options.formats.includes(format)) {
            return badRequest(
              `format: unknown wire format ${format}; one of ${options.formats.join(", ")}`,
            );
          }
          try {
            armed.push({ format, recording: await loadRecording(options.root, recording), count });
          } catch (error) {
            if (error instanceof RecordingError)
              return badRequest(`recording: ${error.message}`, error.status);
            throw error;
          }
        }
        for (const item of armed) replay.arm(item.format, item.recording, item.count);
        return jsonResponse(armedBody(), 201);
      },
    },
  ];
}
