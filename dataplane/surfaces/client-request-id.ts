// A client's own request id, `X-Request-Id`: kept in the decision trace and the access log, and
// echoed on every answer beside modelux's `X-Modelux-Request-Id`. Printable ASCII up to 200
// characters; anything else is refused with a 400 naming the header rather than dropped.
import { GatewayError } from "#shared/errors/gateway-error.ts";

export const CLIENT_REQUEST_ID_HEADER = "x-request-id";
export const MAX_CLIENT_REQUEST_ID = 200;

/** Before routing (Elysia's onRequest): the echo set up, or the 400 for a bad id. */
export function echoClientRequestId(
  request: Request,
  set: { headers: Record<string, string | number> },
): GatewayError | undefined {
  const id = request.headers.get(CLIENT_REQUEST_ID_HEADER);
  if (id === null) return undefined;
  if (id.length > MAX_CLIENT_REQUEST_ID || !/^[\x20-\x7e]+$/.test(id))
    return new GatewayError(
      "invalid_request",
      `X-Request-Id must be 1-${MAX_CLIENT_REQUEST_ID} printable ASCII characters`,
      { param: CLIENT_REQUEST_ID_HEADER },
    );
  set.headers[CLIENT_REQUEST_ID_HEADER] = id;
  return undefined;
}
