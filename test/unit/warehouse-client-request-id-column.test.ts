// The request log's client_request_id column (a caller's X-Request-Id; a gateway-run batch line's
// `<batch>-<line>-<attempt>`): the batch worker's lookup after a crash finds a line's row by it,
// and reads files written before the column (NULL there) without failing, also when a window
// holds only such files.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createWarehouseQuery, type WarehouseQuery } from "../../controlplane/warehouse/query.ts";
import { requestLogRow, writeRequestLogs } from "../support/request-logs.ts";

const OLD_HOUR = "2026-11-24T08:15:00.000Z";
const NEW_HOUR = "2026-11-24T10:15:00.000Z";
const BATCH = "batch_mlx_abc";

describe("client_request_id column", () => {
  const root = mkdtempSync(join(tmpdir(), "modelux-client-request-id-column-"));
  let warehouse: WarehouseQuery;
  const old = requestLogRow({ created_at: OLD_HOUR, batch_id: BATCH });
  const answered = requestLogRow({
    created_at: NEW_HOUR,
    batch_id: BATCH,
    client_request_id: `${BATCH}-3-1`,
    status: 200,
    cost_usd: 0.0125,
  });
  const otherBatch = requestLogRow({
    created_at: NEW_HOUR,
    batch_id: "batch_mlx_other",
    client_request_id: `${BATCH}-4-1`,
  });
  const otherOrg = requestLogRow({
    created_at: NEW_HOUR,
    org_id: "org_other",
    batch_id: BATCH,
    client_request_id: `${BATCH}-5-1`,
  });
  beforeAll(async () => {
    await writeRequestLogs(root, [old], { omit: ["client_request_id"] });
    await writeRequestLogs(root, [answered, otherBatch, otherOrg]);
    warehouse = await createWarehouseQuery({ root, threads: 1 });
  });
  afterAll(async () => {
    await warehouse.close();
    rmSync(root, { recursive: true, force: true });
  });

  const lookup = (since: string, ids: string[]) =>
    warehouse.batchLineRequests(
      "org_test",
      { id: BATCH, projectId: "prj_test", since: new Date(since) },
      ids,
    );

  test("a window of files older than the column finds nothing, without failing", async () => {
    expect(await lookup("2026-11-24T08:00:00Z", [`${BATCH}-1-1`])).toEqual([]);
  });

  test("finds the batch's row by its attempt id, not another batch's or org's", async () => {
    const ids = [1, 2, 3, 4, 5].map((line) => `${BATCH}-${line}-1`);
    const rows = await lookup("2026-11-24T00:00:00Z", ids);
    expect(rows).toEqual([
      {
        client_request_id: `${BATCH}-3-1`,
        request_id: answered.request_id,
        status: 200,
        cost_usd: 0.0125,
      },
    ]);
    expect(await lookup("2026-11-24T11:00:00Z", ids)).toEqual([]);
  });
});
