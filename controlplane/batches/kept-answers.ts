// The answers of gateway-run batch lines, kept where a worker that takes a batch over finds them
// (docs/batches-and-files.md, "Restarts"). The batch plane writes each line's answer body ahead
// in the same write-ahead line as its request-log row (dataplane/in-process.ts,
// `answersWrittenAhead`); the row and its answer travel to the warehouse together, and the
// trace ingester hands the answers here before it writes the rows: an answer whose line is still
// `claimed` at that attempt (its worker died before recording it) is copied onto the line
// (`kept_answer`), so once the warehouse shows the row, Postgres holds its answer. Lines already
// recorded (nearly all: the worker records a line right after its call) are left alone.
import { sql } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import type { KeptAnswer } from "../db/schema/index.ts";

/** A batch line's answer as the ingester read it beside its row. */
export interface CarriedAnswer {
  orgId: string;
  batchId: string;
  /** `<batch>-<line>-<attempt>` (X-Request-Id of the line's call). */
  clientRequestId: string;
  requestId: string;
  statusCode: number;
  costUsd: number;
  answer: string;
}

/** `<batch>-<line>-<attempt>` read back; null when it is not one of `batchId`'s. */
export function parseLineRequestId(
  batchId: string,
  clientRequestId: string,
): { lineIndex: number; attempt: number } | null {
  if (!clientRequestId.startsWith(`${batchId}-`)) return null;
  const [line, attempt, extra] = clientRequestId.slice(batchId.length + 1).split("-");
  const lineIndex = Number(line);
  const attempts = Number(attempt);
  if (extra !== undefined || !Number.isInteger(lineIndex) || !Number.isInteger(attempts))
    return null;
  if (lineIndex < 0 || attempts < 1) return null;
  return { lineIndex, attempt: attempts };
}

const CHUNK = 200;

/**
 * Copies each answer onto its line when the line is still claimed at that attempt (every org's:
 * the ingester serves the fleet; each row names its org and the line must be that org's).
 */
export async function keepBatchAnswers(db: Database, answers: CarriedAnswer[]): Promise<void> {
  const values = [];
  for (const carried of answers) {
    const parsed = parseLineRequestId(carried.batchId, carried.clientRequestId);
    if (!parsed) continue;
    const kept: KeptAnswer = {
      attempt: parsed.attempt,
      request_id: carried.requestId,
      status_code: carried.statusCode,
      cost_usd: carried.costUsd,
      answer: carried.answer,
    };
    values.push(
      sql`(${`${carried.batchId}:${parsed.lineIndex}`}, ${carried.orgId}, ${parsed.attempt}::int, ${JSON.stringify(kept)}::jsonb)`,
    );
  }
  for (let start = 0; start < values.length; start += CHUNK) {
    await db.execute(sql`
      update gateway_batch_lines as line
      set kept_answer = carried.kept
      from (values ${sql.join(values.slice(start, start + CHUNK), sql`, `)})
        as carried(id, org_id, attempt, kept)
      where line.id = carried.id
        and line.org_id = carried.org_id
        and line.status = 'claimed'
        and line.attempts = carried.attempt`);
  }
}
