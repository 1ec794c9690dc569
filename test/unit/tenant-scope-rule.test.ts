// The tenant-scope rule (docs/architecture.md, "Tenant scope"), checked over module code: a query
// of an org-owned table (one with `org_id`, and `orgs` itself) goes through a `Tenant`
// (controlplane/db/tenant.ts): its methods (`find`, `rows`, `page`, `insert`, `update`, …), or a
// hand-built query whose `where` is the tenant's (`tenant.where(table, …)`). The org condition is
// then written once, in tenant.ts. Snapshot parts read every org by design.
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { getTableColumns, is } from "drizzle-orm";
import { PgTable } from "drizzle-orm/pg-core";
import ts from "typescript";
import * as schema from "../../controlplane/db/schema/index.ts";

const ROOT = join(import.meta.dir, "../..");
const MODULES = "controlplane/modules";

/** Files that read across orgs on purpose, and why. */
const EXEMPT: Record<string, string> = {
  "snapshot-part.ts": "a snapshot part compiles every org's rows for the fleet",
  "routing-configs/project-lookups.ts":
    "the experiment runner's lookups by a project it read from an org-scoped experiment row",
};

/** Exported table names whose rows belong to one org. */
const ORG_TABLES = new Set(
  Object.entries(schema)
    .filter(([, value]) => is(value, PgTable) && "org_id" in getTableColumns(value))
    .map(([name]) => name)
    .concat("orgs"),
);

const QUERY_METHODS = new Set([
  "from",
  "insert",
  "update",
  "delete",
  "innerJoin",
  "leftJoin",
  "rightJoin",
  "fullJoin",
]);
/** Tenant methods that take a table and scope it themselves. */
const TENANT_WRITES = new Set(["insert", "update", "delete"]);

/** `tenant`, `context.tenant`, `write.tenant`: the receiver names a Tenant. */
const isTenant = (node: ts.Expression, file: ts.SourceFile) =>
  /(^|\.)tenant$/.test(node.getText(file));

/** The whole chained expression a call sits in (`db.select().from(x).where(…)`). */
function chainOf(node: ts.Node): ts.Node {
  let current = node;
  while (
    ts.isPropertyAccessExpression(current.parent) ||
    (ts.isCallExpression(current.parent) && current.parent.expression === current) ||
    ts.isAwaitExpression(current.parent) ||
    ts.isParenthesizedExpression(current.parent)
  )
    current = current.parent;
  return current;
}

/** Does the chain hold `tenant.where(<table>, …)`? */
function scopedBy(chain: ts.Node, table: string, file: ts.SourceFile): boolean {
  let found = false;
  const visit = (node: ts.Node) => {
    if (
      ts.isCallExpression(node) &&
      ts.isPropertyAccessExpression(node.expression) &&
      node.expression.name.text === "where" &&
      isTenant(node.expression.expression, file) &&
      node.arguments[0]?.getText(file) === table
    )
      found = true;
    if (!found) ts.forEachChild(node, visit);
  };
  visit(chain);
  return found;
}

/** Queries of org-owned tables in one file that bypass the tenant, as `line: text`. */
function unscopedQueries(fileName: string, source: string): string[] {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const report = (node: ts.Node, why: string) => {
    const { line } = file.getLineAndCharacterOfPosition(node.getStart(file));
    found.push(`${fileName}:${line + 1} ${why}`);
  };
  const visit = (node: ts.Node) => {
    if (ts.isCallExpression(node)) {
      const callee = node.expression;
      const tables = node.arguments
        .filter(ts.isIdentifier)
        .map((argument) => argument.text)
        .filter((name) => ORG_TABLES.has(name));
      if (ts.isIdentifier(callee) && callee.text === "listPage" && tables.length > 0)
        report(node, `listPage over ${tables[0]}: use tenant.page`);
      if (ts.isPropertyAccessExpression(callee) && QUERY_METHODS.has(callee.name.text)) {
        const table = node.arguments[0];
        if (table && ts.isIdentifier(table) && ORG_TABLES.has(table.text)) {
          const tenantMethod =
            TENANT_WRITES.has(callee.name.text) && isTenant(callee.expression, file);
          if (!tenantMethod && !scopedBy(chainOf(node), table.text, file))
            report(node, `.${callee.name.text}(${table.text}) without tenant.where(${table.text})`);
        }
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

async function moduleFiles(): Promise<string[]> {
  const files: string[] = [];
  for await (const path of new Bun.Glob("**/*.ts").scan({ cwd: join(ROOT, MODULES) }))
    files.push(path.split("\\").join("/"));
  return files.sort();
}

describe("tenant scope rule", () => {
  test("module code queries org-owned tables only through the tenant", async () => {
    const files = await moduleFiles();
    const found: string[] = [];
    let checked = 0;
    for (const path of files) {
      if (Object.keys(EXEMPT).some((exempt) => path === exempt || path.endsWith(`/${exempt}`)))
        continue;
      checked++;
      found.push(...unscopedQueries(path, await Bun.file(join(ROOT, MODULES, path)).text()));
    }
    expect(found).toEqual([]);
    // The scan sees what it should: the tables, and the modules' services.
    expect([...ORG_TABLES]).toEqual(expect.arrayContaining(["projects", "apiKeys", "orgs"]));
    expect(ORG_TABLES.has("routingConfigVersions")).toBe(false);
    expect(files).toContain("projects/service.ts");
    expect(checked).toBeGreaterThan(20);
  });

  test("each way of bypassing the tenant is found, and what the rule allows is not", () => {
    const broken = [
      "await db.select().from(projects).where(eq(projects.id, id));",
      "await tenant.db.select().from(apiKeys).where(eq(apiKeys.id, id));",
      "await tenant.db.update(budgets).set({ name }).where(eq(budgets.id, id));",
      "await db.delete(webhooks).where(eq(webhooks.id, id));",
      "await db.insert(members).values({ id, org_id: orgId });",
      "await db.select().from(orgs).where(eq(orgs.id, orgId));",
      "await listPage(db, providers, query, [eq(providers.org_id, orgId)], view);",
      // Scoped, but on another table than the one queried.
      "await tenant.db.select().from(apiKeys).where(tenant.where(projects, eq(x, y)));",
      "await db.select().from(routingConfigVersions).innerJoin(routingConfigs, on);",
    ];
    for (const line of broken) expect(unscopedQueries("x.ts", line)).toHaveLength(1);
    const allowed = [
      "await tenant.find(projects, id);",
      "await tenant.rows(apiKeys, isNull(apiKeys.revoked_at));",
      "await tenant.insert(members, { id });",
      "await tenant.update(budgets, id, { name });",
      "await context.tenant.delete(webhooks, id);",
      "await tenant.page(providers, query, [], view);",
      "await tenant.db.select().from(routingConfigs).innerJoin(v, on).where(tenant.where(routingConfigs, a));",
      "await db.update(experiments).set(x).where(write.tenant.where(experiments, eq(a, b)));",
      "await db.select().from(routingConfigVersions).where(eq(routingConfigVersions.id, id));",
      "await listPage(tenant.db, budgetEvents, query, [eq(budgetEvents.budget_id, id)], view);",
    ];
    for (const line of allowed) expect(unscopedQueries("x.ts", line)).toEqual([]);
  });
});
