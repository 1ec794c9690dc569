// A list of files or batches as the caller's org may see it: the provider's pages, keeping only
// the ids the org made through the gateway on that provider (its records in the state store), so
// a list never shows another org's ids, even when orgs share an upstream account. Filtered pages
// are topped up from the next upstream page until the caller's `limit` is met; the cursors the
// caller gets back (`first_id`, `last_id`) are always ids it may see, and the next page starts
// after the last one it was shown.
import type { RuntimeProvider } from "../../snapshot/runtime-config.ts";
import type { Json, Shape } from "./answers.ts";
import { readList } from "./answers.ts";
import type { CallContext } from "./call-context.ts";
import { readBatchRecord, readFileRecord } from "./records.ts";

/** Upstream pages read for one list at most (a credential mostly holding other orgs' ids). */
const MAX_UPSTREAM_PAGES = 20;
const DEFAULT_LIMIT = 20;

export interface OwnedListOptions {
  kind: "file" | "batch";
  provider: RuntimeProvider;
  shape: Shape;
  /** One upstream page for this query string (`?…`, or empty). */
  fetchPage(query: string): Promise<Response>;
}

export async function listOwned(call: CallContext, options: OwnedListOptions): Promise<Json> {
  const { kind, provider, shape } = options;
  const search = new URL(call.request.url).searchParams;
  const limit = positiveInteger(search.get("limit")) ?? DEFAULT_LIMIT;
  // Anthropic pages backwards with before_id; every other cursor (after, after_id) forwards.
  const backwards = search.has("before_id");
  const cursorName = backwards ? "before_id" : search.has("after_id") ? "after_id" : "after";
  const kept: Json[] = [];
  let upstreamHasMore = false;
  let template: Json = {};
  const query = new URLSearchParams(search);
  for (let page = 0; page < MAX_UPSTREAM_PAGES; page++) {
    const response = await options.fetchPage(query.size > 0 ? `?${query}` : "");
    const list = await readList(response, shape, provider.name);
    template = list;
    const items = list.data as Json[];
    const owned = await Promise.all(items.map((item) => ownedBy(call, kind, provider, item.id)));
    items.forEach((item, index) => {
      if (owned[index]) kept.push(item);
    });
    upstreamHasMore = list.has_more === true;
    if (kept.length > limit || !upstreamHasMore || items.length === 0) break;
    const edge = backwards ? items[0] : items.at(-1);
    query.set(cursorName, String(edge?.id));
  }
  const shown = kept.slice(0, limit);
  const answer: Json = { ...template, data: shown };
  if ("has_more" in template || kept.length > limit)
    answer.has_more = kept.length > limit || (upstreamHasMore && shown.length > 0);
  if ("first_id" in template) answer.first_id = shown[0]?.id ?? null;
  if ("last_id" in template) answer.last_id = shown.at(-1)?.id ?? null;
  return answer;
}

async function ownedBy(
  call: CallContext,
  kind: "file" | "batch",
  provider: RuntimeProvider,
  id: unknown,
): Promise<boolean> {
  if (typeof id !== "string") return false;
  const { state } = call.context;
  const orgId = call.key.orgId;
  const record =
    kind === "file"
      ? await readFileRecord(state, orgId, id)
      : (await readBatchRecord(state, orgId, id))?.record;
  return record?.provider_id === provider.id;
}

function positiveInteger(value: string | null): number | null {
  if (value === null) return null;
  const number = Number(value);
  return Number.isInteger(number) && number > 0 ? number : null;
}
