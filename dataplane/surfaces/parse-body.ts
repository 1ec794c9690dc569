// Reads a JSON object body; anything else is a clean 400.
import { GatewayError } from "#shared/errors/gateway-error.ts";

const MAX_BODY_BYTES = 32 * 1024 * 1024;

export async function parseJsonObject(request: Request): Promise<Record<string, unknown>> {
  const length = Number(request.headers.get("content-length") ?? 0);
  if (length > MAX_BODY_BYTES)
    throw new GatewayError("invalid_request", "request body larger than 32 MiB");
  let parsed: unknown;
  try {
    parsed = JSON.parse(await request.text());
  } catch {
    throw new GatewayError("invalid_request", "request body is not valid JSON");
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new GatewayError("invalid_request", "request body must be a JSON object");
  }
  return parsed as Record<string, unknown>;
}
