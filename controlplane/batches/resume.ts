// A restart's lines: those claimed by a worker that stopped before recording their result. Each
// attempt carries a deterministic X-Request-Id (`<batch>-<line>-<attempt>`) into its trace, so
// the warehouse says whether that call was answered (and paid): such a line is recorded with its
// request id and cost but as `errored` with `result_lost` (its answer lived only in the stopped
// process); a line with no trace is sent again. Without a way to look traces up, a claimed line
// is never sent again (`result_unknown`): a line may be lost, never paid twice.
import type { WorkerClock } from "./clock.ts";
import { lineRequestId } from "./line-executor.ts";
import type { BatchStore } from "./store.ts";

export interface PaidAttempt {
  requestId: string;
  statusCode: number;
  costUsd: number;
}

/** The traced calls among these attempt ids (X-Request-Id), by attempt id. */
export type PaidLookup = (
  batchId: string,
  clientRequestIds: string[],
) => Promise<Map<string, PaidAttempt>>;

export async function resolveClaimedLines(
  store: BatchStore,
  lookup: PaidLookup | null,
  clock: WorkerClock,
): Promise<{ paid: number; resent: number; unknown: number }> {
  const claimed = await store.claimedLines();
  const counts = { paid: 0, resent: 0, unknown: 0 };
  if (claimed.length === 0) return counts;
  const ids = claimed.map((line) => lineRequestId(line.batch_id, line.line_index, line.attempts));
  const found = lookup ? await lookup(store.batch.id, ids) : null;
  const at = new Date(clock.now());
  for (const [index, line] of claimed.entries()) {
    const attempt = found?.get(ids[index] as string);
    if (attempt) {
      counts.paid++;
      await store.finish(line.id, {
        status: "errored",
        requestId: attempt.requestId,
        statusCode: attempt.statusCode,
        response: null,
        error: {
          code: "result_lost",
          message: `answered (request ${attempt.requestId}) before the control plane restarted; the answer was not kept and the line is not sent again`,
        },
        costUsd: attempt.costUsd,
        at,
      });
    } else if (found) {
      counts.resent++;
      await store.retryLater(line.id, at);
    } else {
      counts.unknown++;
      await store.finish(line.id, {
        status: "errored",
        requestId: null,
        statusCode: null,
        response: null,
        error: {
          code: "result_unknown",
          message:
            "in flight when the control plane restarted; not sent again, as it may have been paid",
        },
        costUsd: 0,
        at,
      });
    }
  }
  return counts;
}
