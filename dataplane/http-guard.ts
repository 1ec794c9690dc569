// The data plane's request guard (shared/http/request-guard.ts) with its refusals in the caller's
// shape: Anthropic's under /anthropic, OpenAI's under /openai, the generic one elsewhere (as
// every other answer outside the surfaces, respond-error.ts).
import {
  DEFAULT_MAX_UPLOAD_BYTES,
  type RequestLimitSettings,
  type UploadLimitSettings,
} from "#shared/env/settings.ts";
import { GatewayError } from "#shared/errors/gateway-error.ts";
import type { FailureLimiter } from "#shared/http/failure-limiter.ts";
import { guardFromSettings, type guardRequests, type Refusal } from "#shared/http/request-guard.ts";
import { type ErrorShape, errorResponse } from "./surfaces/respond-error.ts";

type Fetch = Parameters<typeof guardRequests>[0];

export function guardDataPlane(
  handle: Fetch,
  limits: RequestLimitSettings & Partial<UploadLimitSettings>,
  now?: () => number,
): { fetch: Fetch; authFailures: FailureLimiter } {
  return guardFromSettings(
    handle,
    limits,
    (request, refusal) =>
      errorResponse(surfaceOf(request), refusalError(refusal), Bun.randomUUIDv7()),
    now,
    {
      maxBytes: limits.MODELUX_MAX_UPLOAD_BYTES ?? DEFAULT_MAX_UPLOAD_BYTES,
      applies: isUpload,
    },
  );
}

/**
 * File uploads and Anthropic batch bodies (docs/batches-and-files.md): MODELUX_MAX_UPLOAD_BYTES
 * instead of the prompt-sized MODELUX_MAX_BODY_BYTES. Streamed through, so the limit bounds what
 * reaches the provider, not this process's memory.
 */
function isUpload(request: Request): boolean {
  if (request.method !== "POST") return false;
  // Every request passes here: compared in place, nothing allocated (the query, e.g. the
  // Anthropic SDK's `?beta=true`, does not count).
  const url = request.url;
  const query = url.indexOf("?");
  const end = query === -1 ? url.length : query;
  for (const path of UPLOAD_PATHS) if (url.startsWith(path, end - path.length)) return true;
  return false;
}

const UPLOAD_PATHS = ["/openai/v1/files", "/anthropic/v1/files", "/anthropic/v1/messages/batches"];

export function refusalError(refusal: Refusal): GatewayError {
  if (refusal.kind === "bad-host") {
    return new GatewayError("invalid_request", "the Host header does not name a host", {
      param: "host",
    });
  }
  if (refusal.kind === "body-too-large") {
    return new GatewayError(
      "payload_too_large",
      `request body larger than ${describeBytes(refusal.maxBytes)}`,
    );
  }
  return new GatewayError(
    "rate_limited",
    `too many failed authentications from this address; retry after ${refusal.retryAfterSeconds} s`,
    { retryAfterSeconds: refusal.retryAfterSeconds },
  );
}

function surfaceOf(request: Request): ErrorShape {
  // The path starts after "http://host" (or at once, when the Host header made no URL).
  const url = request.url;
  const path = url.startsWith("/") ? 0 : url.indexOf("/", url.indexOf("//") + 2);
  if (path === -1) return "generic";
  if (isUnder(url, path, "/anthropic")) return "anthropic";
  if (isUnder(url, path, "/openai")) return "openai";
  return "generic";
}

/** Whether the path at `at` is `prefix` or below it, compared in place (errorShapeOf's rule). */
function isUnder(url: string, at: number, prefix: string): boolean {
  if (!url.startsWith(prefix, at)) return false;
  const next = url.charCodeAt(at + prefix.length);
  // End of URL, "/", "?" or "#".
  return Number.isNaN(next) || next === 0x2f || next === 0x3f || next === 0x23;
}

/** 33554432 → "32 MiB"; sizes that are not whole MiB in bytes. */
export function describeBytes(bytes: number): string {
  const mib = bytes / (1024 * 1024);
  return Number.isInteger(mib) ? `${mib} MiB` : `${bytes} bytes`;
}
