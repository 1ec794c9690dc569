// The cron of scheduled experiments (controlplane/experiments/cron.ts): fires computed in UTC
// against dates worked out by hand, the day-field rule, macros and names, refusals that say
// what is wrong, and one run for a stretch of missed fires.
import { describe, expect, test } from "bun:test";
import {
  CronError,
  latestDueFire,
  nextFire,
  parseCron,
} from "../../controlplane/experiments/cron.ts";

const at = (iso: string) => Date.parse(iso);
const next = (expression: string, after: string) => {
  const fire = nextFire(parseCron(expression), at(after));
  return fire === null ? null : new Date(fire).toISOString();
};

/** The first `count` fires after `after`. */
function fires(expression: string, after: string, count: number): string[] {
  const schedule = parseCron(expression);
  const out: string[] = [];
  let cursor = at(after);
  for (let index = 0; index < count; index++) {
    const fire = nextFire(schedule, cursor);
    if (fire === null) break;
    out.push(new Date(fire).toISOString());
    cursor = fire;
  }
  return out;
}

describe("cron", () => {
  test("the documented daily 09:00 fires at 09:00 UTC, strictly after the instant given", () => {
    expect(next("0 9 * * *", "2026-03-08T08:59:59.999Z")).toBe("2026-03-08T09:00:00.000Z");
    expect(next("0 9 * * *", "2026-03-08T09:00:00.000Z")).toBe("2026-03-09T09:00:00.000Z");
    expect(next("0 9 * * *", "2026-12-31T10:00:00.000Z")).toBe("2027-01-01T09:00:00.000Z");
  });

  test("steps, ranges, lists and names", () => {
    expect(fires("*/15 9-10 * * MON-FRI", "2026-03-06T10:40:00Z", 3)).toEqual([
      // Friday 6 March, then Monday 9 March.
      "2026-03-06T10:45:00.000Z",
      "2026-03-09T09:00:00.000Z",
      "2026-03-09T09:15:00.000Z",
    ]);
    expect(fires("30 6,18 * JAN,jul *", "2026-06-30T23:00:00Z", 2)).toEqual([
      "2026-07-01T06:30:00.000Z",
      "2026-07-01T18:30:00.000Z",
    ]);
    // `a/n` runs from a to the end of the field.
    expect(fires("50/5 0 1 * *", "2026-03-01T00:00:00Z", 3)).toEqual([
      "2026-03-01T00:50:00.000Z",
      "2026-03-01T00:55:00.000Z",
      "2026-04-01T00:50:00.000Z",
    ]);
    // Sunday is 0 and 7.
    expect(next("0 12 * * 7", "2026-03-02T00:00:00Z")).toBe("2026-03-08T12:00:00.000Z");
    expect(next("0 12 * * SUN", "2026-03-02T00:00:00Z")).toBe("2026-03-08T12:00:00.000Z");
  });

  test("both day fields restricted: a day matches either", () => {
    // The 13th (a Friday in March 2026 is the 13th) or any Monday.
    expect(fires("0 0 13 * 1", "2026-03-08T00:00:00Z", 3)).toEqual([
      "2026-03-09T00:00:00.000Z",
      "2026-03-13T00:00:00.000Z",
      "2026-03-16T00:00:00.000Z",
    ]);
    // Only one restricted: both must hold (every 29 February that is … any weekday).
    expect(next("0 0 29 2 *", "2026-01-01T00:00:00Z")).toBe("2028-02-29T00:00:00.000Z");
  });

  test("macros", () => {
    expect(next("@hourly", "2026-03-08T08:59:00Z")).toBe("2026-03-08T09:00:00.000Z");
    expect(next("@daily", "2026-03-08T08:00:00Z")).toBe("2026-03-09T00:00:00.000Z");
    expect(next("@weekly", "2026-03-04T00:00:00Z")).toBe("2026-03-08T00:00:00.000Z");
    expect(next("@monthly", "2026-03-04T00:00:00Z")).toBe("2026-04-01T00:00:00.000Z");
    expect(next("@yearly", "2026-03-04T00:00:00Z")).toBe("2027-01-01T00:00:00.000Z");
  });

  test("what is refused, and why", () => {
    const reason = (expression: string) => {
      try {
        parseCron(expression);
        return "accepted";
      } catch (error) {
        expect(error).toBeInstanceOf(CronError);
        return (error as Error).message;
      }
    };
    expect(reason("0 9 * *")).toContain("5 fields");
    expect(reason("61 * * * *")).toBe("minute field: 61 is outside 0-59");
    expect(reason("0 24 * * *")).toBe("hour field: 24 is outside 0-23");
    expect(reason("0 9 * FOO *")).toBe('month field: "FOO" is not a value');
    expect(reason("0 9 10-2 * *")).toBe("day of month field: range 10-2 runs backwards");
    expect(reason("*/0 9 * * *")).toContain("step");
    expect(reason("0 0 30 2 *")).toBe("never fires (no such date)");
    expect(reason("@reboot")).toContain("unknown macro");
    // More often than every 5 minutes, counting around the hour.
    expect(reason("* * * * *")).toContain("1 minute apart");
    expect(reason("*/4 * * * *")).toContain("4 minutes apart");
    expect(reason("0,58 * * * *")).toContain("2 minutes apart");
    expect(reason("*/5 * * * *")).toBe("accepted");
    expect(reason("0,55 9 * * *")).toBe("accepted");
  });

  test("a stretch of missed fires is run once, at the latest", () => {
    const daily = parseCron("0 9 * * *");
    const due = at("2026-03-01T09:00:00Z");
    expect(new Date(latestDueFire(daily, due, at("2026-03-05T10:00:00Z"))).toISOString()).toBe(
      "2026-03-05T09:00:00.000Z",
    );
    // Due now: that fire.
    expect(latestDueFire(daily, due, due)).toBe(due);
    // A year down: still the latest fire, found without walking every one.
    const fiveMinutes = parseCron("*/5 * * * *");
    expect(
      new Date(
        latestDueFire(fiveMinutes, at("2025-01-01T00:00:00Z"), at("2026-03-05T10:07:30Z")),
      ).toISOString(),
    ).toBe("2026-03-05T10:05:00.000Z");
    // A yearly schedule down for two years.
    const yearly = parseCron("@yearly");
    expect(
      new Date(
        latestDueFire(yearly, at("2024-01-01T00:00:00Z"), at("2026-03-05T00:00:00Z")),
      ).toISOString(),
    ).toBe("2026-01-01T00:00:00.000Z");
  });
});
