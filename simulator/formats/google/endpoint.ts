// The shared endpoint preamble (common/endpoint.ts) for a format whose model is in the path,
// not the body: openEndpoint reads `body.model`, so Gemini runs the same steps here with the
// path's model, in the same order (record, credential, body, faults, profile).
// TODO(simulator): a `modelOf(request, body)` hook on EndpointFormat would make this file go.
import type { OpenedEndpoint } from "../../common/endpoint.ts";
import { jsonResponse, parseJsonObject, sleep } from "../../common/http.ts";
import type { SimulatorState } from "../../common/state.ts";
import { GOOGLE_FORMAT, googleEndpoint, modelAndMethod } from "./api.ts";
import { googleErrorResponse } from "./errors.ts";

export async function openGoogleEndpoint(
  request: Request,
  state: SimulatorState,
): Promise<OpenedEndpoint> {
  const raw = await request.text();
  const parsed = parseJsonObject(raw);
  const { model } = modelAndMethod(request);
  state.calls.record(GOOGLE_FORMAT, model, request, raw, parsed.ok ? parsed.value : null);

  const authProblem = googleEndpoint.authenticationProblem(request);
  if (authProblem) return answered(googleErrorResponse(403, authProblem));
  if (!parsed.ok) {
    return answered(googleErrorResponse(400, `Invalid JSON payload received. ${parsed.reason}`));
  }

  const streaming = googleEndpoint.isStreaming(request, parsed.value);
  const hit = state.faults.take(GOOGLE_FORMAT, model, streaming);
  if (hit?.stallMs) await sleep(hit.stallMs);
  if (hit?.status) return answered(faultResponse(model, hit.status.status, hit.status.body));

  const profile = state.profiles.forModel(model);
  if (profile.error_rate && Math.random() < profile.error_rate) {
    return answered(faultResponse(model, profile.error_status ?? 500, undefined));
  }
  return {
    kind: "admitted",
    body: parsed.value,
    model,
    streaming,
    timing: { profile, cutAfterChunks: hit?.cutAfterChunks },
  };
}

function answered(response: Response): OpenedEndpoint {
  return { kind: "answered", response };
}

function faultResponse(model: string, status: number, body: unknown): Response {
  const headers: Record<string, string> = status === 429 ? { "retry-after": "1" } : {};
  if (body !== undefined) return jsonResponse(body, status, headers);
  return googleErrorResponse(status, `simulated ${status} for model ${model}`, {}, headers);
}
