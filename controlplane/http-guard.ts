// The control plane's request guard (shared/http/request-guard.ts): the body limit and the
// failed-authentication limit on every route (Management API, MCP, docs), refused in the
// Management API's error shape.
import type { RequestLimitSettings } from "#shared/env/settings.ts";
import type { FailureLimiter } from "#shared/http/failure-limiter.ts";
import { guardFromSettings, type guardRequests, type Refusal } from "#shared/http/request-guard.ts";
import { ManagementError, renderError } from "./api/errors.ts";

type Fetch = Parameters<typeof guardRequests>[0];

export function guardControlPlane(
  handle: Fetch,
  limits: RequestLimitSettings,
  now?: () => number,
): { fetch: Fetch; authFailures: FailureLimiter } {
  return guardFromSettings(
    handle,
    limits,
    (_request, refusal) => {
      const rendered = renderError(refusalError(refusal));
      return Response.json(rendered.body, { status: rendered.status, headers: rendered.headers });
    },
    now,
  );
}

function refusalError(refusal: Refusal): ManagementError {
  if (refusal.kind === "bad-host") {
    return new ManagementError("invalid_request", "the Host header does not name a host", {
      fields: [{ field: "headers.host", message: "does not name a host" }],
    });
  }
  if (refusal.kind === "body-too-large") {
    return new ManagementError(
      "payload_too_large",
      `the request body is larger than ${refusal.maxBytes} bytes`,
      { fields: [{ field: "body", message: `larger than ${refusal.maxBytes} bytes` }] },
    );
  }
  return new ManagementError(
    "rate_limited",
    `too many failed authentications from this address; retry after ${refusal.retryAfterSeconds} s`,
    { retryAfterSeconds: refusal.retryAfterSeconds },
  );
}
