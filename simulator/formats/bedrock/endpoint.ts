// The endpoint preamble for Bedrock, the steps common/endpoint.ts takes for the other formats
// (record the call, check auth, parse the body, apply faults and the profile), with Bedrock's
// differences: the model is in the path, the body has no `model`, and auth failures are 403s.
import type { OpenedEndpoint } from "../../common/endpoint.ts";
import { jsonResponse, parseJsonObject, sleep } from "../../common/http.ts";
import type { SimulatorState } from "../../common/state.ts";
import { authenticationFailure, modelFromPath } from "./api.ts";
import { bedrockErrorResponse } from "./errors.ts";

export const BEDROCK_FORMAT = "bedrock";

export async function openBedrockEndpoint(
  request: Request,
  state: SimulatorState,
  streaming: boolean,
): Promise<OpenedEndpoint> {
  const raw = await request.text();
  const parsed = parseJsonObject(raw);
  const model = modelFromPath(request);
  state.calls.record(BEDROCK_FORMAT, model, request, raw, parsed.ok ? parsed.value : null);

  const authFailure = authenticationFailure(request);
  if (authFailure) return { kind: "answered", response: authFailure };
  if (!parsed.ok) {
    return {
      kind: "answered",
      response: bedrockErrorResponse(400, `Malformed input request: ${parsed.reason}`),
    };
  }

  const hit = state.faults.take(BEDROCK_FORMAT, model, streaming);
  if (hit?.stallMs) await sleep(hit.stallMs);
  if (hit?.status) {
    return { kind: "answered", response: faultResponse(model, hit.status.status, hit.status.body) };
  }
  const profile = state.profiles.forModel(model);
  if (profile.error_rate && Math.random() < profile.error_rate) {
    return {
      kind: "answered",
      response: faultResponse(model, profile.error_status ?? 500, undefined),
    };
  }
  return {
    kind: "admitted",
    body: parsed.value,
    model,
    streaming,
    timing: { profile, cutAfterChunks: hit?.cutAfterChunks },
  };
}

function faultResponse(model: string, status: number, body: unknown): Response {
  const headers: Record<string, string> = status === 429 ? { "retry-after": "1" } : {};
  if (body !== undefined) return jsonResponse(body, status, headers);
  return bedrockErrorResponse(status, `simulated ${status} for model ${model}`, {}, headers);
}
