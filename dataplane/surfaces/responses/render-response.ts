// A canonical answer → the Response object: output items, usage with reasoning tokens, and
// `incomplete` (with its reason) for an answer cut at max_output_tokens or by a content filter.
import type { CanonicalResponse, StopReason } from "#shared/canonical/response.ts";
import { type HiddenSignatures, outputItems } from "./output-items.ts";
import { type ResponseShell, responseObject, wantsSummaries } from "./response-object.ts";
import { toResponsesUsage } from "./usage.ts";

export function renderResponse(
  response: CanonicalResponse,
  shell: ResponseShell,
  hidden: HiddenSignatures = {},
): Record<string, unknown> {
  const refused = response.stopReason === "refusal";
  const output = outputItems(
    shell.id,
    response.content,
    refused,
    hidden,
    wantsSummaries(shell.request),
  );
  const incompleteReason = incompleteReasonOf(response.stopReason);
  return responseObject(shell, incompleteReason ? "incomplete" : "completed", output, {
    usage: toResponsesUsage(response.usage),
    ...(incompleteReason && { incompleteReason }),
  });
}

export function incompleteReasonOf(stopReason: StopReason): string | undefined {
  if (stopReason === "max_tokens") return "max_output_tokens";
  if (stopReason === "content_filter") return "content_filter";
  return undefined;
}
