// A non-streamed answer: the upstream's JSON read through its adapter (a body that is not JSON,
// or on the fast path not an answer of the surface's shape, is a 502), accounted and traced,
// then sent as the upstream wrote it on the fast path or rendered in the caller's shape.
import type { CanonicalResponse } from "#shared/canonical/response.ts";
import { GatewayError } from "#shared/errors/gateway-error.ts";
import type { Attempt } from "../routing/plan.ts";
import type { PlanAnswer } from "./execute-plan.ts";
import type { Generation } from "./generation.ts";

export async function answerBody(
  generation: Generation,
  answer: PlanAnswer,
  served: Attempt,
  fastPath: boolean,
): Promise<Response> {
  const { binding, fields } = generation;
  let response: CanonicalResponse;
  let text: string | null = null;
  let parsed: Record<string, unknown> | null = null;
  if (answer.kind === "composed") {
    response = answer.response;
  } else {
    let raw: string;
    try {
      raw = await answer.response.text();
    } finally {
      answer.release();
    }
    text = raw;
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      throw new GatewayError(
        "upstream_error",
        `${served.provider.name}/${served.model} answered with invalid JSON`,
      );
    }
    if (fastPath && !binding.isAnswer(json)) {
      // The fast path hands the upstream's bytes on: only when they are an answer of this shape.
      throw new GatewayError(
        "upstream_error",
        `${served.provider.name}/${served.model} answered with a body that is not a ${binding.name} answer`,
      );
    }
    if (fastPath && binding.readAnswer) {
      response = binding.readAnswer(json);
    } else {
      const converted = answer.adapter.parseResponse(json, served);
      generation.warnings.push(...converted.warnings);
      response = converted.value;
    }
    parsed = json as Record<string, unknown>;
    const corrected = fastPath ? binding.rewriteAnswer?.(parsed) : null;
    if (corrected) {
      parsed = corrected;
      text = JSON.stringify(corrected);
    }
  }
  generation.usage = response.usage;
  generation.answerText = textOf(response);
  if (fastPath && text !== null && !fields.returnTrace) {
    if (binding.settleAnswer && parsed)
      generation.warnings.push(...(await binding.settleAnswer(parsed)));
    generation.measureOverhead(answer.upstreamMs);
    const written = generation.finishBeforeAnswer(200, served, response.usage);
    if (written) await written;
    return generation.respond(text, "application/json", served, answer.upstreamMs);
  }
  const rendered =
    fastPath && text !== null
      ? (JSON.parse(text) as Record<string, unknown>)
      : (binding.surface.renderResponse(response, {
          requestedModel: generation.canonical.model,
          servedModel: served.model,
          includeUsage: generation.clientWantsUsage,
          estimatedInputTokens: generation.features.inputTokens,
        }) as Record<string, unknown>);
  if (binding.settleAnswer) generation.warnings.push(...(await binding.settleAnswer(rendered)));
  generation.measureOverhead(answer.upstreamMs);
  const written = generation.finishBeforeAnswer(200, served, response.usage);
  if (written) await written;
  if (fields.returnTrace) rendered["mlx:trace"] = generation.shownTrace();
  return generation.respond(
    JSON.stringify(rendered),
    "application/json",
    served,
    answer.upstreamMs,
  );
}

/** The answer's text for content capture (tool calls as name(arguments)). */
function textOf(response: CanonicalResponse): string {
  const only = response.content.length === 1 ? response.content[0] : undefined;
  if (only?.type === "text") return only.text;
  return response.content
    .map((block) => {
      if (block.type === "text") return block.text;
      if (block.type === "tool-use") return `${block.name}(${JSON.stringify(block.input)})`;
      return "";
    })
    .join("");
}
