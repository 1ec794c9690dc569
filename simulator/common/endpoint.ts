// The steps every simulated endpoint takes before it answers, whatever the wire format:
// read and record the call, check the credential, parse the body, then apply injected faults
// and the model's profile. Formats supply their error shape and auth rule.
import { jsonResponse, parseJsonObject, sleep } from "./http.ts";
import { isPaced, type LatencyProfile } from "./profiles.ts";
import type { SimulatorState } from "./state.ts";

export interface ErrorDetail {
  type?: string;
  param?: string | null;
  code?: string | null;
}

export interface EndpointFormat {
  name: string;
  /** A response in the vendor's error shape; the format picks the error type from the status. */
  errorResponse(
    status: number,
    message: string,
    detail?: ErrorDetail,
    headers?: Record<string, string>,
  ): Response;
  /** Why the request may not call, or undefined when its credential is acceptable. */
  authenticationProblem(request: Request): string | undefined;
  /** A header the vendor insists on and the request lacks (answered 400), or undefined. */
  headerProblem?(request: Request): string | undefined;
  /** Whether the call asks for a stream (a body field for some vendors, the path for others). */
  isStreaming(request: Request, body: Record<string, unknown>): boolean;
  /** The endpoint can fail a started stream with an error event (`in_stream` status faults). */
  streamsErrors?: boolean;
}

export interface Timing {
  profile: LatencyProfile;
  cutAfterChunks: number | undefined;
  /** An injected failure for the handler to deliver inside its stream. */
  streamError?: { status: number; body: unknown };
}

export type OpenedEndpoint =
  | { kind: "answered"; response: Response }
  | {
      kind: "admitted";
      body: Record<string, unknown>;
      model: string;
      streaming: boolean;
      timing: Timing;
    };

export async function openEndpoint(
  request: Request,
  state: SimulatorState,
  format: EndpointFormat,
): Promise<OpenedEndpoint> {
  const raw = await request.text();
  const parsed = parseJsonObject(raw);
  const body = parsed.ok ? parsed.value : undefined;
  const model = typeof body?.model === "string" ? body.model : "";
  state.calls.record(format.name, model, request, raw, parsed.ok ? parsed.value : null);

  // Vendors check the key before they look at the body.
  const authProblem = format.authenticationProblem(request);
  if (authProblem) return answered(format.errorResponse(401, authProblem));
  const headerProblem = format.headerProblem?.(request);
  if (headerProblem) return answered(format.errorResponse(400, headerProblem));
  if (!body) {
    const reason = parsed.ok ? "" : parsed.reason;
    return answered(
      format.errorResponse(400, `We could not parse the JSON body of your request: ${reason}`),
    );
  }

  const streaming = format.isStreaming(request, body);
  const hit = state.faults.take(format.name, model, streaming);
  if (hit?.stallMs) await sleep(hit.stallMs);
  const inStream = hit?.status?.inStream === true && streaming && format.streamsErrors === true;
  if (hit?.status && !inStream)
    return answered(faultResponse(format, model, hit.status.status, hit.status.body));

  const profile = state.profiles.forModel(model);
  if (profile.error_rate && Math.random() < profile.error_rate) {
    return answered(faultResponse(format, model, profile.error_status ?? 500, undefined));
  }
  return {
    kind: "admitted",
    body,
    model,
    streaming,
    timing: {
      profile,
      cutAfterChunks: hit?.cutAfterChunks,
      streamError: inStream ? hit?.status : undefined,
    },
  };
}

function answered(response: Response): OpenedEndpoint {
  return { kind: "answered", response };
}

function faultResponse(
  format: EndpointFormat,
  model: string,
  status: number,
  body: unknown,
): Response {
  const headers: Record<string, string> = status === 429 ? { "retry-after": "1" } : {};
  if (body !== undefined) return jsonResponse(body, status, headers);
  return format.errorResponse(status, `simulated ${status} for model ${model}`, {}, headers);
}

/**
 * Waits as the model's profile says before the response starts: time to first token, and for
 * a complete (non-streamed) answer the time to generate all of it. No wait at all by default.
 */
export function waitBeforeAnswer(
  timing: Timing,
  streaming: boolean,
  outputTokens: number,
): Promise<void> | undefined {
  const { profile } = timing;
  let milliseconds = profile.ttft_ms;
  if (!streaming && isPaced(profile))
    milliseconds += (outputTokens / profile.tokens_per_second) * 1000;
  return sleep(milliseconds);
}
