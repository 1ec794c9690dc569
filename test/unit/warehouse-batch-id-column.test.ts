// The request log's batch_id column (docs/warehouse.md, docs/batches-and-files.md): a batch's
// result rows carry it; files written before it existed read it as NULL through the logs list and
// one log, also when a window holds only such files.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createWarehouseQuery, type WarehouseQuery } from "../../controlplane/warehouse/query.ts";
import { requestLogRow, writeRequestLogs } from "../support/request-logs.ts";

const OLD_HOUR = "2026-11-24T08:15:00.000Z";
const NEW_HOUR = "2026-11-24T10:15:00.000Z";

describe("batch_id column", () => {
  const root = mkdtempSync(join(tmpdir(), "modelux-batch-id-column-"));
  let warehouse: WarehouseQuery;
  const old = requestLogRow({ created_at: OLD_HOUR });
  const line = requestLogRow({ created_at: NEW_HOUR, batch_id: "batch_abc123" });
  const plain = requestLogRow({ created_at: NEW_HOUR });
  beforeAll(async () => {
    await writeRequestLogs(root, [old], { omit: ["batch_id"] });
    await writeRequestLogs(root, [line, plain]);
    warehouse = await createWarehouseQuery({ root, threads: 1 });
  });
  afterAll(async () => {
    await warehouse.close();
    rmSync(root, { recursive: true, force: true });
  });

  test("a window of files older than the column lists it as null", async () => {
    const rows = await warehouse.logs(
      "org_test",
      { start: new Date("2026-11-24T08:00:00Z"), end: new Date("2026-11-24T09:00:00Z") },
      { cursor: null, limit: 10 },
    );
    expect(rows.map((row) => [row.request_id, row.batch_id])).toEqual([[old.request_id, null]]);
    expect((await warehouse.log("org_test", old.request_id))?.batch_id ?? null).toBeNull();
  });

  test("old and new files together: the batch's line carries its id, the others null", async () => {
    const rows = await warehouse.logs(
      "org_test",
      { start: new Date("2026-11-24T00:00:00Z"), end: new Date("2026-11-25T00:00:00Z") },
      { cursor: null, limit: 10 },
    );
    const byId = new Map(rows.map((row) => [row.request_id, row.batch_id]));
    expect(byId.get(line.request_id)).toBe("batch_abc123");
    expect(byId.get(plain.request_id)).toBeNull();
    expect(byId.get(old.request_id)).toBeNull();
    expect((await warehouse.log("org_test", line.request_id))?.batch_id).toBe("batch_abc123");
  });
});
