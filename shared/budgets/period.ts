// Budget periods (DESIGN §7): daily, weekly (ISO weeks, Monday first) and monthly on the UTC
// calendar, or custom lengths counted from an anchor. Both sides compute the same windows, so a
// spend delta names its period by its start and rollover needs no coordination.

export type BudgetPeriod = "daily" | "weekly" | "monthly" | "custom";

export interface PeriodWindow {
  /** Epoch milliseconds, inclusive. */
  startMs: number;
  /** Epoch milliseconds, exclusive: when the budget resets. */
  endMs: number;
}

const DAY_MS = 86_400_000;

export function periodWindow(
  period: string,
  nowMs: number,
  custom: { seconds: number | null; anchorMs: number | null } = { seconds: null, anchorMs: null },
): PeriodWindow {
  const now = new Date(nowMs);
  switch (period) {
    case "daily": {
      const startMs = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
      return { startMs, endMs: startMs + DAY_MS };
    }
    case "weekly": {
      const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
      // getUTCDay: 0 = Sunday; ISO weeks start on Monday.
      const sinceMonday = (now.getUTCDay() + 6) % 7;
      const startMs = today - sinceMonday * DAY_MS;
      return { startMs, endMs: startMs + 7 * DAY_MS };
    }
    case "monthly": {
      const startMs = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1);
      return { startMs, endMs: Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1) };
    }
    default: {
      // custom: fixed-length windows from the anchor (the epoch when none is set).
      const lengthMs = Math.max(1, custom.seconds ?? 86_400) * 1000;
      const anchorMs = custom.anchorMs ?? 0;
      const index = Math.floor((nowMs - anchorMs) / lengthMs);
      const startMs = anchorMs + index * lengthMs;
      return { startMs, endMs: startMs + lengthMs };
    }
  }
}

/** The period's start as the bus and the database name it. */
export const periodKey = (startMs: number) => new Date(startMs).toISOString();
