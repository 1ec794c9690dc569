// Where a restarted worker looks for the calls a crashed one had answered (resume.ts): the
// request-log rows of the batch whose `client_request_id` is one of the claimed attempts', in
// the warehouse and in what the batch's plane on this node wrote ahead and had not shipped yet
// (a control plane killed right after the answer restarts with those rows still on disk; they
// are shipped when the batch's plane opens, after this lookup). A write-ahead row carries the
// line's answer beside it; the warehouse's rows do not (the answer was kept on the line by the
// ingester instead: kept-answers.ts).
import { readFileSync } from "node:fs";
import { decodeTraceLine } from "#shared/bus/trace-lines.ts";
import type { RequestLogRow } from "#shared/traces/request-log.ts";
import { writeAheadAnswer, writeAheadSegmentFiles } from "../../dataplane/in-process.ts";
import type { GatewayBatchRow } from "../db/schema/index.ts";
import type { WarehouseQuery } from "../warehouse/query.ts";
import type { AnsweredAttempt, PaidLookup } from "./resume.ts";

/** Rows may be stamped by a node whose clock is behind the one that created the batch. */
const CLOCK_SKEW_MS = 5 * 60_000;

export function warehousePaidLookup(
  warehouse: Pick<WarehouseQuery, "batchLineRequests">,
  /**
   * The batch's write-ahead directory on this node: an answer too large to travel beside its row
   * is kept there in a file of its own (the row shipped, the file not), and read from it.
   */
  answersIn?: (batch: GatewayBatchRow) => string,
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
    for (const row of rows) {
      const requestId = String(row.request_id);
      const kept = answersIn ? writeAheadAnswer(answersIn(batch), requestId) : null;
      found.set(String(row.client_request_id), {
        requestId,
        statusCode: Number(row.status),
        costUsd: Number(row.cost_usd ?? 0),
        ...(kept === null ? {} : { answer: kept }),
      });
    }
    return found;
  };
}

/** Passes over the files when one vanishes while they are read (see below). */
const READ_PASSES = 3;

/**
 * The batch's rows in its planes' write-ahead directory on this node (`<directory>/<batch>`,
 * with the `writer-<n>` subdirectories of planes that found it taken). A file that vanishes while
 * it is read was shipped (the stream has it), or moved to another writer's directory by a plane
 * opening: the files are listed again, so a moved one is read where it went.
 */
export function writeAheadPaidLookup(directory: (batch: GatewayBatchRow) => string): PaidLookup {
  return async (batch, clientRequestIds) => {
    const wanted = new Set(clientRequestIds);
    const found = new Map<string, AnsweredAttempt>();
    const read = new Set<string>();
    for (let pass = 0; pass < READ_PASSES; pass++) {
      let vanished = false;
      for (const file of writeAheadSegmentFiles(directory(batch))) {
        if (read.has(file)) continue;
        let text: string;
        try {
          text = readFileSync(file, "utf8");
        } catch {
          vanished = true;
          continue;
        }
        read.add(file);
        collectRows(text, batch, wanted, found, directory(batch));
      }
      if (!vanished) break;
    }
    return found;
  };
}

function collectRows(
  text: string,
  batch: GatewayBatchRow,
  wanted: Set<string>,
  found: Map<string, AnsweredAttempt>,
  directory: string,
): void {
  for (const line of text.split("\n")) {
    if (!line) continue;
    const row = decodeTraceLine(line) as Partial<RequestLogRow> | null;
    if (!row || row.batch_id !== batch.id || row.org_id !== batch.org_id) continue;
    if (!row.client_request_id || !wanted.has(row.client_request_id)) continue;
    found.set(row.client_request_id, {
      requestId: String(row.request_id),
      statusCode: Number(row.status),
      costUsd: Number(row.cost_usd ?? 0),
      // Beside the row, or (too large for one bus message) in a file of its own.
      answer:
        typeof row.batch_answer === "string"
          ? row.batch_answer
          : writeAheadAnswer(directory, String(row.request_id)),
    });
  }
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
