// Tenant scope, written once. Module code reads and writes an org's rows through a `Tenant`
// bound to the caller's org: every query built here carries `org_id = <that org>`, so a module
// cannot fetch, change or delete another org's row by id (test/unit/tenant-scope-rule.test.ts
// checks that module code queries org-owned tables only through it).
import { and, eq, type SQL, sql } from "drizzle-orm";
import type { PgColumn, PgTable } from "drizzle-orm/pg-core";
import type { Page } from "../api/operation.ts";
import { listPage } from "../api/schemas.ts";
import type { Database } from "./client.ts";
import { type OrgRow, orgs } from "./schema/index.ts";

/** A table whose rows belong to one org (`org_id`) and are named by `id`. */
export type OrgTable = PgTable & { id: PgColumn; org_id: PgColumn };

type Row<T extends OrgTable> = T["$inferSelect"];
type NewRow<T extends OrgTable> = Omit<T["$inferInsert"], "org_id">;
type Filter = SQL | undefined;

/** The one place the org condition is written. */
const sameOrg = (table: OrgTable, orgId: string): SQL => eq(table.org_id, orgId);

export class Tenant {
  constructor(
    /** For the org's child tables (versions, events, deliveries), reached through a scoped row. */
    readonly db: Database,
    readonly orgId: string,
  ) {}

  /** The org's condition on `table` and the filters given (undefined ones are skipped). */
  where(table: OrgTable, ...filters: Filter[]): SQL {
    return and(sameOrg(table, this.orgId), ...filters) as SQL;
  }

  /** The org's rows of `table` matching the filters, in no particular order. */
  async rows<T extends OrgTable>(table: T, ...filters: Filter[]): Promise<Row<T>[]> {
    const rows = await this.db
      .select()
      .from(table as PgTable)
      .where(this.where(table, ...filters));
    return rows as Row<T>[];
  }

  /** The org's row of `table` with this id, or undefined: another org's id finds nothing. */
  async find<T extends OrgTable>(
    table: T,
    id: string,
    ...filters: Filter[]
  ): Promise<Row<T> | undefined> {
    const [row] = await this.rows(table, eq(table.id, id), ...filters);
    return row;
  }

  async count(table: OrgTable, ...filters: Filter[]): Promise<number> {
    const [row] = await this.db
      .select({ count: sql<number>`count(*)::int` })
      .from(table as PgTable)
      .where(this.where(table, ...filters));
    return row?.count ?? 0;
  }

  /** One page of the org's rows, newest first (api/schemas.ts `listPage`). */
  page<T extends OrgTable, Item>(
    table: T,
    query: { limit?: number; cursor?: string },
    filters: Filter[],
    view: (row: Row<T>) => Item,
  ): Promise<Page<Item>> {
    return listPage(this.db, table, query, [sameOrg(table, this.orgId), ...filters], view);
  }

  /** Inserts a row into the org; `org_id` is the tenant's, never the caller's to give. */
  async insert<T extends OrgTable>(table: T, values: NewRow<T>): Promise<Row<T>> {
    const [row] = await this.db
      .insert(table)
      .values({ ...values, org_id: this.orgId } as T["$inferInsert"])
      .returning();
    if (!row) throw new Error("insert returned nothing");
    return row as Row<T>;
  }

  /** Changes the org's row with this id; undefined when the org has no such row. */
  async update<T extends OrgTable>(
    table: T,
    id: string,
    values: Partial<NewRow<T>>,
  ): Promise<Row<T> | undefined> {
    const rows = await this.db
      .update(table)
      .set(values as Partial<T["$inferInsert"]>)
      .where(this.where(table, eq(table.id, id)))
      .returning();
    return (rows as Row<T>[])[0];
  }

  /** Changes every row of the org matching the filters (at least one filter is required). */
  async updateWhere<T extends OrgTable>(
    table: T,
    values: Partial<NewRow<T>>,
    filter: SQL,
    ...filters: Filter[]
  ): Promise<void> {
    await this.db
      .update(table)
      .set(values as Partial<T["$inferInsert"]>)
      .where(this.where(table, filter, ...filters));
  }

  async delete(table: OrgTable, id: string): Promise<void> {
    await this.db.delete(table).where(this.where(table, eq(table.id, id)));
  }

  /** The org itself (its `id` is the tenant's org). */
  async org(): Promise<OrgRow | undefined> {
    const [row] = await this.db.select().from(orgs).where(eq(orgs.id, this.orgId));
    return row;
  }

  async updateOrg(values: Partial<Omit<OrgRow, "id">>): Promise<OrgRow | undefined> {
    const [row] = await this.db.update(orgs).set(values).where(eq(orgs.id, this.orgId)).returning();
    return row;
  }
}

/** A tenant scope over `db` (the pool, or a transaction) for one org. */
export const scoped = (db: Database, orgId: string): Tenant => new Tenant(db, orgId);
