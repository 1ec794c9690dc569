// The control API for simulated batches (both vendors): GET/PUT /_sim/batches reads and sets the
// pace (retrievals per lifecycle state; 0 runs a batch to its end on the first retrieval), and
// POST /_sim/batches/{id}/expire makes a batch's next retrieval end it as expired.
import * as v from "valibot";
import { jsonResponse, parseJsonObject } from "../common/http.ts";
import type { SimulatorState } from "../common/state.ts";
import { describeIssue } from "../common/validation.ts";
import type { FormatRoute } from "../formats/wire-format.ts";

const paceSchema = v.strictObject({
  polls_per_state: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(1000)),
});

export function batchControlRoutes(state: SimulatorState): FormatRoute[] {
  const paceBody = () => ({ polls_per_state: state.batchPace.pollsPerState });
  return [
    { method: "GET", path: "/_sim/batches", handle: () => jsonResponse(paceBody()) },
    {
      method: "PUT",
      path: "/_sim/batches",
      async handle(request) {
        const body = parseJsonObject(await request.text());
        if (!body.ok) return jsonResponse({ error: { message: body.reason } }, 400);
        const parsed = v.safeParse(paceSchema, body.value);
        if (!parsed.success) {
          const problem = describeIssue(parsed.issues);
          return jsonResponse({ error: { message: `${problem.param}: ${problem.message}` } }, 400);
        }
        state.batchPace.pollsPerState = parsed.output.polls_per_state;
        return jsonResponse(paceBody());
      },
    },
    {
      method: "POST",
      path: "/_sim/batches/:id/expire",
      handle(request) {
        const id = decodeURIComponent(new URL(request.url).pathname.split("/")[3] ?? "");
        const batches = [...state.openAiBatches.all(), ...state.anthropicBatches.all()];
        const batch = batches.find((candidate) => candidate.id === id);
        if (!batch) return jsonResponse({ error: { message: `no batch ${id}` } }, 404);
        batch.clock.expire = true;
        batch.clock.polls = Number.MAX_SAFE_INTEGER - 1;
        return jsonResponse({ id, expires: "on its next retrieval" });
      },
    },
  ];
}
