// `GET /metrics` on either plane (docs/operations.md): the plane's Prometheus registry as text.
// No proxy or management key is asked for; MODELUX_METRICS_TOKEN, when set, restricts it to
// `Authorization: Bearer <token>`. Outside the failed-authentication limit of the request guard
// (a scraper sharing an address with failing clients is still answered, and its own 401s do not
// count against them): the token is long and compared in constant time instead.
import { createHash, timingSafeEqual } from "node:crypto";
import { GatewayError } from "../errors/gateway-error.ts";
import { genericErrorBody } from "../errors/generic-body.ts";

export const METRICS_PATH = "/metrics";

/** Whether the request is for /metrics (any method), read from the URL without parsing it. */
export function isMetricsRequest(request: Request): boolean {
  const url = request.url;
  const start = url.indexOf("/", url.indexOf("//") + 2);
  if (start === -1 || !url.startsWith(METRICS_PATH, start)) return false;
  const end = start + METRICS_PATH.length;
  return end === url.length || url[end] === "?";
}

export interface MetricsSource {
  /** The exposition text, with anything queued recorded first. */
  text(): Promise<string>;
  contentType: string;
  /** Required bearer token, or null for none. */
  token: string | null;
}

export async function metricsResponse(request: Request, source: MetricsSource): Promise<Response> {
  if (source.token !== null && !bearerMatches(request.headers.get("authorization"), source.token)) {
    const error = new GatewayError(
      "authentication",
      "/metrics needs the MODELUX_METRICS_TOKEN bearer token",
    );
    return Response.json(genericErrorBody(error), {
      status: error.status,
      headers: { "www-authenticate": 'Bearer realm="metrics"' },
    });
  }
  return new Response(await source.text(), { headers: { "content-type": source.contentType } });
}

function bearerMatches(header: string | null, token: string): boolean {
  const given = header?.match(/^Bearer\s+(.+)$/i)?.[1]?.trim() ?? "";
  // Digests have one length, so the comparison takes the same time whatever was sent.
  return timingSafeEqual(digest(given), digest(token));
}

function digest(value: string): Buffer {
  return createHash("sha256").update(value).digest();
}
