// A restart's lines: those a worker claimed and never recorded (it crashed). Each attempt carries a
// deterministic X-Request-Id (`<batch>-<line>-<attempt>`) into its request-log row
// (`client_request_id`), so the warehouse (and the plane's own write-ahead log on this node) says
// whether that call was answered, and therefore paid, before the crash:
// - answered with a retryable failure (429, 5xx): put back like any such answer (a new attempt);
// - answered otherwise: recorded from the row (its request id, status and cost) with the answer
//   written ahead beside it (in the write-ahead log on this node, or kept on the line by the
//   trace ingester: kept-answers.ts), as the line's result, never sent again; one whose answer
//   was not kept (larger than a bus message carries beside its row, and its file on another
//   node's disk: paid-lookup.ts) ends `errored` / `result_lost`;
// - not found once the claim is older than `resumeGraceMs` (time for a crashed node's rows to be
//   shipped and ingested): never answered, so sent again;
// - not found before that: left claimed, looked up again later.
// Without a lookup (a worker alone, tests) a claimed line is never sent again (`result_unknown`):
// a line may be lost, never paid twice.
import type {
  GatewayBatchLineRow,
  GatewayBatchRow,
  KeptAnswer,
  LineStatus,
} from "../db/schema/index.ts";
import type { WorkerClock } from "./clock.ts";
import { lineRequestId, parseLineAnswer } from "./line-executor.ts";
import { retryDelayMs, shouldRetry } from "./retry-policy.ts";
import type { BatchWorkerSettings } from "./settings.ts";
import type { BatchStore } from "./store.ts";

export interface AnsweredAttempt {
  /** The data plane's request id (its request-log row). */
  requestId: string;
  statusCode: number;
  costUsd: number;
  /** The answer's body written ahead with the row (JSON text), when the lookup holds it. */
  answer?: string | null;
}

/** The answered calls among these attempt ids (X-Request-Id), by attempt id. */
export type PaidLookup = (
  batch: GatewayBatchRow,
  clientRequestIds: string[],
) => Promise<Map<string, AnsweredAttempt>>;

export interface ResolvedLines {
  /** Answered before the crash: recorded from the lookup, not sent again. */
  recovered: number;
  /** Of those, recorded without their answer (`result_lost`: it was not kept with its row). */
  lost: number;
  /** Answered with a retryable failure, or never answered: pending again. */
  resent: number;
  /** Not found yet, claim younger than the grace: still claimed. */
  waiting: number;
  /** No lookup: ended `result_unknown`. */
  unknown: number;
  /** When the first waiting line's grace ends (ms since the epoch); null when none waits. */
  graceEndsAt: number | null;
}

/**
 * What becomes of a line never answered: sent again (the default), or, when the batch is
 * ending (cancelled, expired, capped), closed like its unsent lines.
 */
export type Unanswered =
  | { action: "resend" }
  | {
      action: "close";
      status: Extract<LineStatus, "canceled" | "expired">;
      error: { code: string; message: string };
    };

export async function resolveClaimedLines(
  store: BatchStore,
  lookup: PaidLookup | null,
  clock: WorkerClock,
  settings: Pick<BatchWorkerSettings, "maxAttempts" | "retryBackoffMs" | "resumeGraceMs">,
  unanswered: Unanswered = { action: "resend" },
): Promise<ResolvedLines> {
  const claimed = await store.claimedLines();
  const resolved: ResolvedLines = {
    recovered: 0,
    lost: 0,
    resent: 0,
    waiting: 0,
    unknown: 0,
    graceEndsAt: null,
  };
  if (claimed.length === 0) return resolved;
  const now = clock.now();
  const at = new Date(now);
  if (!lookup) {
    for (const line of claimed) {
      resolved.unknown++;
      await store.finish(line.id, unknownResult(at));
    }
    return resolved;
  }
  const ids = claimed.map((line) => lineRequestId(line.batch_id, line.line_index, line.attempts));
  const found = await lookup(store.batch, ids);
  // Rows found without their answer (the warehouse's): the ingester kept it on the line before
  // the row was written, so it is read now, after the lookup.
  const kept = [...found.values()].some((attempt) => !attempt.answer)
    ? await store.keptAnswers()
    : new Map<string, KeptAnswer>();
  for (const [index, line] of claimed.entries()) {
    const attempt = found.get(ids[index] as string);
    if (attempt) {
      const keptAnswer = kept.get(line.id);
      const answer =
        attempt.answer ??
        (keptAnswer?.attempt === line.attempts && keptAnswer.request_id === attempt.requestId
          ? keptAnswer.answer
          : null);
      await recordAnswered(store, line, { ...attempt, answer }, settings, now);
      if (shouldRetry(attempt.statusCode, line.attempts, settings.maxAttempts)) resolved.resent++;
      else {
        resolved.recovered++;
        if (answer === null) resolved.lost++;
      }
      continue;
    }
    const graceEndsAt = (line.claimed_at?.getTime() ?? 0) + settings.resumeGraceMs;
    if (unanswered.action === "close") {
      await store.closeClaimed(line.id, unanswered.status, unanswered.error, at);
    } else if (graceEndsAt <= now) {
      resolved.resent++;
      await store.retryLater(line.id, at);
    } else {
      resolved.waiting++;
      resolved.graceEndsAt = Math.min(resolved.graceEndsAt ?? graceEndsAt, graceEndsAt);
    }
  }
  return resolved;
}

async function recordAnswered(
  store: BatchStore,
  line: GatewayBatchLineRow,
  attempt: AnsweredAttempt,
  settings: Pick<BatchWorkerSettings, "maxAttempts" | "retryBackoffMs">,
  now: number,
): Promise<void> {
  if (shouldRetry(attempt.statusCode, line.attempts, settings.maxAttempts)) {
    // As runLine does with such an answer: a new attempt (a new X-Request-Id) after the back-off.
    await store.retryLater(
      line.id,
      new Date(now + retryDelayMs(line.attempts, settings.retryBackoffMs)),
    );
    return;
  }
  if (typeof attempt.answer === "string") {
    // The answer the call got, as runLine would have recorded it.
    const ok = attempt.statusCode >= 200 && attempt.statusCode < 300;
    await store.finish(line.id, {
      status: ok ? "succeeded" : "errored",
      requestId: attempt.requestId,
      statusCode: attempt.statusCode,
      response: parseLineAnswer(attempt.answer),
      error: null,
      costUsd: attempt.costUsd,
      at: new Date(now),
    });
    return;
  }
  await store.finish(line.id, {
    status: "errored",
    requestId: attempt.requestId,
    statusCode: attempt.statusCode,
    response: null,
    error: {
      code: "result_lost",
      message: `answered with status ${attempt.statusCode} (request ${attempt.requestId}, in the request log) before the control plane restarted; its answer was larger than one bus message carries beside its row and is not on this node's disk, and the line is not sent again`,
    },
    costUsd: attempt.costUsd,
    at: new Date(now),
  });
}

function unknownResult(at: Date) {
  return {
    status: "errored" as const,
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
  };
}
