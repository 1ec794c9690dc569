// Small response helpers shared by every format and the control API.

export function jsonResponse(
  body: unknown,
  status = 200,
  headers: Record<string, string> = {},
): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });
}

export type ParsedBody =
  | { ok: true; value: Record<string, unknown> }
  | { ok: false; reason: string };

/** Parses a JSON object body; vendors answer 400 to anything else, so the reason is kept. */
export function parseJsonObject(raw: string): ParsedBody {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message : "invalid JSON" };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return { ok: false, reason: "the body must be a JSON object" };
  }
  return { ok: true, value: value as Record<string, unknown> };
}

/** The bearer token of an Authorization header, or undefined when missing or empty. */
export function bearerToken(request: Request): string | undefined {
  const header = request.headers.get("authorization");
  if (!header) return undefined;
  const match = /^Bearer\s+(\S.*)$/i.exec(header.trim());
  return match?.[1]?.trim() || undefined;
}

export function sleep(milliseconds: number): Promise<void> | undefined {
  return milliseconds > 0 ? Bun.sleep(milliseconds) : undefined;
}
