// One claimed line: sent once through the batch's plane, then its result recorded with its
// request id in the same update, or, on a retryable failure within the attempt bound, put back
// to pending with a back-off.
import type { GatewayBatchLineRow } from "../db/schema/index.ts";
import type { WorkerClock } from "./clock.ts";
import { type LineExecutor, lineRequestId } from "./line-executor.ts";
import { retryDelayMs, shouldRetry } from "./retry-policy.ts";
import type { BatchWorkerSettings } from "./settings.ts";
import type { BatchStore } from "./store.ts";

export async function runLine(
  store: BatchStore,
  executor: LineExecutor,
  line: GatewayBatchLineRow,
  settings: BatchWorkerSettings,
  clock: WorkerClock,
): Promise<void> {
  const { batch } = store;
  const clientRequestId = lineRequestId(batch.id, line.line_index, line.attempts);
  let answer: Awaited<ReturnType<LineExecutor["send"]>> | null = null;
  let failure: string | null = null;
  try {
    answer = await executor.send(batch.endpoint, line.body, clientRequestId);
  } catch (error) {
    failure = (error as Error).message;
  }
  const statusCode = answer?.statusCode ?? null;
  const ok = statusCode !== null && statusCode >= 200 && statusCode < 300;
  if (!ok && shouldRetry(statusCode, line.attempts, settings.maxAttempts)) {
    const delay = retryDelayMs(line.attempts, settings.retryBackoffMs);
    await store.retryLater(line.id, new Date(clock.now() + delay));
    if (answer?.requestId) executor.recorded?.(answer.requestId);
    return;
  }
  await store.finish(line.id, {
    status: ok ? "succeeded" : "errored",
    requestId: answer?.requestId ?? null,
    statusCode,
    response: answer?.body ?? null,
    error: failure === null ? null : { code: "internal_error", message: failure },
    costUsd: answer?.costUsd ?? 0,
    at: new Date(clock.now()),
  });
  if (answer?.requestId) executor.recorded?.(answer.requestId);
}
