// Who is calling OpenAI's files and batches, and how errors look: OpenAI's bearer key, or Azure's
// `api-key` on the resource's v1 surface. Files and batches are kept per tenant (the key).
import { bearerToken } from "../../common/http.ts";
import { openAiErrorResponse } from "./errors.ts";

export interface FilesFlavor {
  name: string;
  /** The tenant a request acts for, or undefined when it carries no credential. */
  tenantOf(request: Request): string | undefined;
  missingCredential: string;
}

export const openAiFilesFlavor: FilesFlavor = {
  name: "openai",
  tenantOf: (request) => {
    const token = bearerToken(request);
    return token ? `openai:${token}` : undefined;
  },
  missingCredential:
    "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
};

export const azureFilesFlavor: FilesFlavor = {
  name: "azure",
  tenantOf: (request) => {
    const key = request.headers.get("api-key")?.trim();
    return key ? `azure:${key}` : undefined;
  },
  missingCredential:
    "Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.",
};

/** The caller's tenant, or the vendor's 401. */
export function tenantOrRefusal(
  request: Request,
  flavor: FilesFlavor,
): { tenant: string } | { refusal: Response } {
  const tenant = flavor.tenantOf(request);
  return tenant ? { tenant } : { refusal: openAiErrorResponse(401, flavor.missingCredential) };
}

/** The path segment after `marker` (`files`, `batches`), decoded. */
export function idAfter(request: Request, marker: string): string {
  const segments = new URL(request.url).pathname.split("/");
  return decodeURIComponent(segments[segments.lastIndexOf(marker) + 1] ?? "");
}

/** OpenAI's cursor list: `limit`, `after`, newest first unless `order=asc`. */
export function pageOf<T extends { id: string }>(
  items: T[],
  url: URL,
  defaultLimit: number,
): { data: T[]; first_id: string | null; last_id: string | null; has_more: boolean } {
  const ordered = url.searchParams.get("order") === "asc" ? items : [...items].reverse();
  const after = url.searchParams.get("after");
  const start = after ? ordered.findIndex((item) => item.id === after) + 1 : 0;
  const limit = Math.max(
    1,
    Math.min(10_000, Number(url.searchParams.get("limit")) || defaultLimit),
  );
  const data = ordered.slice(start, start + limit);
  return {
    data,
    first_id: data[0]?.id ?? null,
    last_id: data.at(-1)?.id ?? null,
    has_more: start + limit < ordered.length,
  };
}
