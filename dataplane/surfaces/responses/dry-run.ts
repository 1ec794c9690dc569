// A streamed dry run on the Responses surface: a response with no output that the SDKs read to
// its end (response.created, in_progress, completed), the decision in an `mlx:dry_run` event
// between them (which the SDKs pass over) and under `mlx:dry_run` in the completed response.
import type { ResponseShell } from "./response-object.ts";
import { responseObject } from "./response-object.ts";
import { sseEvent } from "./sse.ts";
import { toResponsesUsage } from "./usage.ts";

export function dryRunEvents(shell: ResponseShell, dryRun: unknown): string {
  const started = responseObject(shell, "in_progress", []);
  const usage = toResponsesUsage({
    inputTokens: 0,
    outputTokens: 0,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    reasoningTokens: 0,
  });
  const completed = { ...responseObject(shell, "completed", [], { usage }), "mlx:dry_run": dryRun };
  return [
    sseEvent("response.created", 0, { response: started }),
    sseEvent("response.in_progress", 1, { response: started }),
    sseEvent("mlx:dry_run", 2, { dry_run: dryRun }),
    sseEvent("response.completed", 3, { response: completed }),
  ].join("");
}
