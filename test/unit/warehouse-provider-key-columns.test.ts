// The request log's provider_key_fingerprint and provider_key_hash columns (docs/warehouse.md):
// files written before they existed read them as NULL through every reader, also when a window
// holds only such files, and the analytics report groups by the fingerprint.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createWarehouseQuery, type WarehouseQuery } from "../../controlplane/warehouse/query.ts";
import { requestLogRow, writeRequestLogs } from "../support/request-logs.ts";

const OLD_HOUR = "2026-11-24T08:15:00.000Z";
const NEW_HOUR = "2026-11-24T10:15:00.000Z";
const HASH = "a".repeat(64);

describe("provider key columns", () => {
  const root = mkdtempSync(join(tmpdir(), "modelux-provider-key-columns-"));
  let warehouse: WarehouseQuery;
  const old = requestLogRow({ created_at: OLD_HOUR });
  const own = requestLogRow({
    created_at: NEW_HOUR,
    provider_key_fingerprint: "sk-proj-…TA0A",
    provider_key_hash: HASH,
  });
  const stored = requestLogRow({ created_at: NEW_HOUR });
  beforeAll(async () => {
    await writeRequestLogs(root, [old], {
      omit: ["provider_key_fingerprint", "provider_key_hash"],
    });
    await writeRequestLogs(root, [own, stored]);
    warehouse = await createWarehouseQuery({ root, threads: 1 });
  });
  afterAll(async () => {
    await warehouse.close();
    rmSync(root, { recursive: true, force: true });
  });

  test("a window of files older than the columns lists them as null", async () => {
    const rows = await warehouse.logs(
      "org_test",
      { start: new Date("2026-11-24T08:00:00Z"), end: new Date("2026-11-24T09:00:00Z") },
      { cursor: null, limit: 10 },
    );
    expect(rows.map((row) => [row.request_id, row.provider_key_fingerprint])).toEqual([
      [old.request_id, null],
    ]);
    const one = await warehouse.log("org_test", old.request_id);
    expect(one?.request_id).toBe(old.request_id);
    expect(one?.provider_key_fingerprint ?? null).toBeNull();
  });

  test("old and new files together; the report groups by the fingerprint", async () => {
    const window = {
      start: new Date("2026-11-24T00:00:00Z"),
      end: new Date("2026-11-25T00:00:00Z"),
    };
    const rows = await warehouse.logs("org_test", window, { cursor: null, limit: 10 });
    const byId = new Map(rows.map((row) => [row.request_id, row]));
    expect(byId.get(own.request_id)).toMatchObject({
      provider_key_fingerprint: "sk-proj-…TA0A",
      provider_key_hash: HASH,
    });
    expect(byId.get(old.request_id)?.provider_key_hash).toBeNull();
    const { series, totals } = await warehouse.report("org_test", window, {
      granularity: "day",
      group_by: "provider_key",
      tag_key: null,
    });
    expect(series.map((point) => [point.group_value, point.requests])).toEqual([
      ["sk-proj-…TA0A", 1],
      [null, 2],
    ]);
    expect(totals.requests).toBe(3);
  });
});
