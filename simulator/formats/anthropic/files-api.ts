// Who calls Anthropic's Files and Message Batches APIs and what they must send: a key (x-api-key
// or a bearer token, the tenant whose files and batches a call sees) and anthropic-version. The
// Files API's beta header (`files-api-2025-04-14`) is not required: the current SDK sends it only
// when the caller lists it in `betas`.
import { bearerToken } from "../../common/http.ts";
import { anthropicErrorResponse } from "./errors.ts";

export function anthropicKeyOf(request: Request): string | undefined {
  return request.headers.get("x-api-key")?.trim() || bearerToken(request);
}

/** The caller's tenant, or the answer Anthropic gives a call missing what it needs. */
export function anthropicCaller(
  request: Request,
): { tenant: string; key: string } | { refusal: Response } {
  const key = anthropicKeyOf(request);
  if (!key) return { refusal: anthropicErrorResponse(401, "x-api-key header is required") };
  if (!request.headers.get("anthropic-version"))
    return { refusal: anthropicErrorResponse(400, "anthropic-version: header is required") };
  return { tenant: `anthropic:${key}`, key };
}

/** The path segment after `marker`, decoded. */
export function segmentAfter(request: Request, marker: string): string {
  const segments = new URL(request.url).pathname.split("/");
  return decodeURIComponent(segments[segments.lastIndexOf(marker) + 1] ?? "");
}

/** Anthropic's list page: `limit` (default 20), `before_id` / `after_id`, newest first. */
export function anthropicPage<T extends { id: string }>(items: T[], url: URL) {
  const newest = [...items].reverse();
  const limit = Math.max(1, Math.min(1000, Number(url.searchParams.get("limit")) || 20));
  const after = url.searchParams.get("after_id");
  const before = url.searchParams.get("before_id");
  let data: T[];
  let more: boolean;
  if (before) {
    const end = Math.max(
      0,
      newest.findIndex((item) => item.id === before),
    );
    data = newest.slice(Math.max(0, end - limit), end);
    more = end - limit > 0;
  } else {
    const start = after ? newest.findIndex((item) => item.id === after) + 1 : 0;
    data = newest.slice(start, start + limit);
    more = start + limit < newest.length;
  }
  return {
    data,
    has_more: more,
    first_id: data[0]?.id ?? null,
    last_id: data.at(-1)?.id ?? null,
  };
}
