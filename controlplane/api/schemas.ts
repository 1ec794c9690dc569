// Schema pieces every feature shares: ids, timestamps, slugs, pagination.
import { and, desc, lt, type SQL } from "drizzle-orm";
import type { PgColumn, PgTable } from "drizzle-orm/pg-core";
import * as v from "valibot";
import { rpmLimitValue, tpmLimitValue } from "#shared/snapshot/project-limits.ts";
import type { Database } from "../db/client.ts";
import type { Page } from "./operation.ts";

export const idSchema = (description: string) =>
  v.pipe(v.string(), v.minLength(1), v.maxLength(64), v.description(description));

export const timestampSchema = v.pipe(v.string(), v.isoTimestamp(), v.description("ISO 8601, UTC"));
export const nullableTimestamp = v.nullable(timestampSchema);

/** Lower-case letters, digits, `-` and `_`; what appears in `@slug` and `name/model`. */
export const slugSchema = v.pipe(
  v.string(),
  v.regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, "must be 1-63 lower-case letters, digits, - or _"),
);

export const nameSchema = v.pipe(v.string(), v.trim(), v.minLength(1), v.maxLength(200));

/** A future instant given as an ISO timestamp. */
export const expiresAtSchema = v.pipe(
  v.string(),
  v.isoTimestamp("must be an ISO 8601 timestamp"),
  v.check((value) => Date.parse(value) > Date.now(), "must be in the future"),
);

export const rpmLimitSchema = v.pipe(
  rpmLimitValue,
  v.description("Requests per minute for this key."),
);

/** Tokens per minute for a proxy key (docs/limits.md): input and output tokens together. */
export const tpmLimitSchema = v.pipe(
  tpmLimitValue,
  v.description("Tokens per minute for this key (input and output; docs/limits.md)."),
);

export const DEFAULT_PAGE_SIZE = 50;

export const paginationEntries = {
  limit: v.optional(
    v.pipe(
      v.number(),
      v.integer(),
      v.minValue(1),
      v.maxValue(100),
      v.description("Items per page, 1-100 (default 50)."),
    ),
  ),
  cursor: v.optional(
    v.pipe(
      v.string(),
      v.description("The `next_cursor` of the previous page (the last id it held)."),
    ),
  ),
};

export const paginationQuery = v.object(paginationEntries);

export const iso = (date: Date | null | undefined) => (date ? date.toISOString() : null);
export const isoRequired = (date: Date) => date.toISOString();

/**
 * Newest first, paged by id: ids sort by creation time, so "older than the cursor" is `id < cursor`.
 * Returns the where clause, the order and the limit to fetch (one extra to see if more follow).
 */
export function pageQuery(
  idColumn: PgColumn,
  query: { limit?: number; cursor?: string },
  ...filters: Array<SQL | undefined>
) {
  const limit = query.limit ?? DEFAULT_PAGE_SIZE;
  return {
    where: and(...filters, query.cursor ? lt(idColumn, query.cursor) : undefined),
    orderBy: desc(idColumn),
    fetch: limit + 1,
    limit,
  };
}

/** Cuts the extra row off and names the cursor of the next page. */
export function toPage<Row extends { id: string }, Item>(
  rows: Row[],
  limit: number,
  view: (row: Row) => Item,
): Page<Item> {
  const more = rows.length > limit;
  const kept = more ? rows.slice(0, limit) : rows;
  return { data: kept.map(view), next_cursor: more ? (kept.at(-1)?.id ?? null) : null };
}

/** One page of a table's rows, newest first, with the filters given, through `view`. */
export async function listPage<TTable extends PgTable & { id: PgColumn }, Item>(
  db: Database,
  table: TTable,
  query: { limit?: number; cursor?: string },
  filters: Array<SQL | undefined>,
  view: (row: TTable["$inferSelect"]) => Item,
): Promise<Page<Item>> {
  const page = pageQuery(table.id, query, ...filters);
  const rows = await db
    .select()
    .from(table as PgTable)
    .where(page.where)
    .orderBy(page.orderBy)
    .limit(page.fetch);
  return toPage(rows as Array<TTable["$inferSelect"] & { id: string }>, page.limit, view);
}

export const deletedView = v.object({ id: v.string(), deleted: v.literal(true) });
export const deleted = (id: string) => ({ id, deleted: true as const });
