// When and over which window a promotion's prediction is checked (docs/experiments.md,
// "Prediction checked against reality"). Measurement comes in as a function, the time as `now`:
// the decision is the same on every control plane and after a restart.
import type { ExperimentValidationRow, ValidationStatus } from "../db/schema/index.ts";
import type { Measure } from "./measure.ts";
import type { Actual } from "./prediction-error.ts";

/** Requests reach the warehouse within seconds; this much later, a window's rows are all there. */
export const SETTLE_MS = 5 * 60_000;

export type CheckOutcome =
  /** The window has not closed (or its rows may not all be in the warehouse yet). */
  | { status: "wait" }
  /** Measured, too few requests so far: measured again on the next pass. */
  | { status: "pending"; actual: Actual }
  | { status: Exclude<ValidationStatus, "pending">; actual: Actual };

/**
 * The comparable window is [promoted_at, window_end): as long as the replayed window, at most a
 * week. When it has closed and the version served at least `min_requests` there, that is the
 * measurement. With fewer, the window grows until it has enough (validated on the longer window)
 * or `deadline_at` passes (insufficient_data). A later version replacing the promoted one ends
 * the window where it took over: what the promoted version served until then is measured, and
 * with too few requests the check ends as superseded (the version will serve no more).
 */
export async function checkPrediction(
  row: ExperimentValidationRow,
  supersededAt: Date | null,
  now: number,
  measure: Measure,
  settleMs = SETTLE_MS,
): Promise<CheckOutcome> {
  const ready = now - settleMs;
  const start = row.promoted_at;
  const replaced = supersededAt?.getTime() ?? Number.POSITIVE_INFINITY;
  const closes = Math.min(row.window_end.getTime(), replaced);
  if (ready < closes) return { status: "wait" };
  const comparable = await measure(row, { start, end: new Date(closes) });
  if (comparable.requests >= row.min_requests) return { status: "validated", actual: comparable };
  if (replaced <= row.window_end.getTime()) return { status: "superseded", actual: comparable };
  const grown = Math.min(ready, row.deadline_at.getTime(), replaced);
  const longer = grown > closes ? await measure(row, { start, end: new Date(grown) }) : comparable;
  if (longer.requests >= row.min_requests) return { status: "validated", actual: longer };
  if (replaced <= row.deadline_at.getTime()) return { status: "superseded", actual: longer };
  if (ready >= row.deadline_at.getTime()) return { status: "insufficient_data", actual: longer };
  return { status: "pending", actual: longer };
}
