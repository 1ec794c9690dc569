// Where a restarted worker looks for the calls a crashed one had answered (resume.ts): the
// request-log rows of the batch whose `client_request_id` is one of the claimed attempts', in
// the warehouse and in what the batch's plane on this node wrote ahead and had not shipped yet
// (a control plane killed right after the answer restarts with those rows still on disk; they
// are shipped when the batch's plane opens, after this lookup). A write-ahead row carries the
// line's answer beside it; the warehouse's rows do not (the answer was kept on the line by the
// ingester instead: kept-answers.ts).
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { decodeTraceLine } from "#shared/bus/trace-lines.ts";
import type { RequestLogRow } from "#shared/traces/request-log.ts";
import type { GatewayBatchRow } from "../db/schema/index.ts";
import type { WarehouseQuery } from "../warehouse/query.ts";
import type { AnsweredAttempt, PaidLookup } from "./resume.ts";

/** Rows may be stamped by a node whose clock is behind the one that created the batch. */
const CLOCK_SKEW_MS = 5 * 60_000;

export function warehousePaidLookup(
  warehouse: Pick<WarehouseQuery, "batchLineRequests">,
): PaidLookup {
  return async (batch, clientRequestIds) => {
    const rows = await warehouse.batchLineRequests(
      batch.org_id,
      {
        id: batch.id,
        projectId: batch.project_id,
        since: new Date(batch.created_at.getTime() - CLOCK_SKEW_MS),
      },
      clientRequestIds,
    );
    const found = new Map<string, AnsweredAttempt>();
    for (const row of rows)
      found.set(String(row.client_request_id), {
        requestId: String(row.request_id),
        statusCode: Number(row.status),
        costUsd: Number(row.cost_usd ?? 0),
      });
    return found;
  };
}

/** The batch's rows in its plane's write-ahead directory on this node (`<directory>/<batch>`). */
export function writeAheadPaidLookup(directory: (batch: GatewayBatchRow) => string): PaidLookup {
  return async (batch, clientRequestIds) => {
    const wanted = new Set(clientRequestIds);
    const found = new Map<string, AnsweredAttempt>();
    const path = directory(batch);
    if (!existsSync(path)) return found;
    for (const name of readdirSync(path)) {
      if (!name.endsWith(".ndjson") && !name.endsWith(".open")) continue;
      let text: string;
      try {
        text = readFileSync(join(path, name), "utf8");
      } catch {
        continue; // shipped and removed meanwhile: the warehouse has it
      }
      for (const line of text.split("\n")) {
        if (!line) continue;
        const row = decodeTraceLine(line) as Partial<RequestLogRow> | null;
        if (!row || row.batch_id !== batch.id || row.org_id !== batch.org_id) continue;
        if (!row.client_request_id || !wanted.has(row.client_request_id)) continue;
        found.set(row.client_request_id, {
          requestId: String(row.request_id),
          statusCode: Number(row.status),
          costUsd: Number(row.cost_usd ?? 0),
          answer: typeof row.batch_answer === "string" ? row.batch_answer : null,
        });
      }
    }
    return found;
  };
}

/** Every lookup's finds, the first's winning (they name the same rows). */
export function combinedPaidLookup(...lookups: PaidLookup[]): PaidLookup {
  return async (batch, clientRequestIds) => {
    const found = new Map<string, AnsweredAttempt>();
    for (const lookup of lookups) {
      const missing = clientRequestIds.filter((id) => !found.has(id));
      if (missing.length === 0) break;
      for (const [id, attempt] of await lookup(batch, missing)) found.set(id, attempt);
    }
    return found;
  };
}
