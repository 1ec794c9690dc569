// Reads a JSON object body; anything else is a clean 4xx. The size is bounded while the body is
// read (the request guard, shared/http/request-guard.ts, counts a chunked one as it arrives) and
// the nesting depth right after parsing, with an explicit stack: every later step that walks the
// body recursively (JSON.stringify, token estimates, converters) can then never overflow.
import { GatewayError } from "#shared/errors/gateway-error.ts";
import { BodyTooLargeError } from "#shared/http/request-guard.ts";

/** Far deeper than any request needs (tool schemas nest a few levels per property). */
export const MAX_BODY_DEPTH = 128;

export async function parseJsonObject(request: Request): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await request.text();
  } catch (error) {
    if (error instanceof BodyTooLargeError)
      throw new GatewayError("payload_too_large", error.message);
    throw new GatewayError("invalid_request", "the request body could not be read");
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new GatewayError("invalid_request", "request body is not valid JSON");
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new GatewayError("invalid_request", "request body must be a JSON object");
  }
  checkDepth(parsed);
  return parsed as Record<string, unknown>;
}

/** Throws `invalid_request` naming where the body nests deeper than MAX_BODY_DEPTH. */
export function checkDepth(body: object): void {
  // Containers only, with their depth in a parallel array: no allocation per node.
  const values: object[] = [body];
  const depths: number[] = [1];
  while (values.length > 0) {
    const value = values.pop() as object;
    const depth = depths.pop() as number;
    if (depth > MAX_BODY_DEPTH) {
      const path = pathTo(body, depth);
      throw new GatewayError(
        "invalid_request",
        `request body nests deeper than ${MAX_BODY_DEPTH} levels (at ${path.join(".")})`,
        { param: path[0] },
      );
    }
    const items = Array.isArray(value) ? value : Object.values(value);
    for (const item of items) {
      if (item !== null && typeof item === "object") {
        values.push(item);
        depths.push(depth + 1);
      }
    }
  }
}

/** The keys down to the first container at `depth`, for the message (failures only). */
function pathTo(body: object, depth: number): string[] {
  const stack: { value: object; path: string[] }[] = [{ value: body, path: [] }];
  for (let entry = stack.pop(); entry; entry = stack.pop()) {
    if (entry.path.length + 1 >= depth) return entry.path;
    for (const [key, item] of Object.entries(entry.value)) {
      if (item !== null && typeof item === "object")
        stack.push({ value: item, path: [...entry.path, key] });
    }
  }
  return [];
}
