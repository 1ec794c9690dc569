// The schedule of a scheduled experiment (docs/experiments.md#scheduled-experiments): a
// five-field cron expression, `minute hour day-of-month month day-of-week`, read in UTC, and the
// instants it fires at. Pure.
//
// Each field takes `*`, a value, a range `a-b`, a step `*/n`, `a-b/n` or `a/n`, and lists of
// those (`0,30`); months and weekdays also by name (`JAN`, `MON`), Sunday as 0 or 7. When both
// day fields are restricted a day matches either (as every cron since Vixie's does). The
// macros `@hourly`, `@daily` (`@midnight`), `@weekly`, `@monthly` and `@yearly` (`@annually`)
// stand for their five fields.

export interface CronSchedule {
  /** The expression as given (trimmed). */
  source: string;
  minutes: ReadonlySet<number>;
  hours: ReadonlySet<number>;
  daysOfMonth: ReadonlySet<number>;
  months: ReadonlySet<number>;
  /** 0 (Sunday) to 6. */
  daysOfWeek: ReadonlySet<number>;
  /** Neither day field is `*`: a day matches when either does. */
  eitherDay: boolean;
}

/** Fires closer together than this are refused: a replay every few minutes is a hot loop. */
export const MIN_SPACING_MINUTES = 5;

/** A next fire is looked for this far ahead; an expression with none ("0 0 30 2 *") is refused. */
const HORIZON_MS = 5 * 366 * 86_400_000;

export class CronError extends Error {}

const MACROS: Record<string, string> = {
  "@hourly": "0 * * * *",
  "@daily": "0 0 * * *",
  "@midnight": "0 0 * * *",
  "@weekly": "0 0 * * 0",
  "@monthly": "0 0 1 * *",
  "@yearly": "0 0 1 1 *",
  "@annually": "0 0 1 1 *",
};

const MONTH_NAMES = [
  "JAN",
  "FEB",
  "MAR",
  "APR",
  "MAY",
  "JUN",
  "JUL",
  "AUG",
  "SEP",
  "OCT",
  "NOV",
  "DEC",
];
const DAY_NAMES = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  /** Names standing for min, min + 1, …. */
  names?: readonly string[];
}

const FIELDS: readonly FieldSpec[] = [
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day of month", min: 1, max: 31 },
  { name: "month", min: 1, max: 12, names: MONTH_NAMES },
  // 7 is Sunday too; folded to 0 below.
  { name: "day of week", min: 0, max: 7, names: DAY_NAMES },
];

/** Parses and checks an expression: it must fire, and never twice within MIN_SPACING_MINUTES. */
export function parseCron(expression: string): CronSchedule {
  const source = expression.trim();
  const expanded = MACROS[source.toLowerCase()] ?? source;
  if (expanded.startsWith("@")) {
    throw new CronError(`unknown macro ${source}; use one of ${Object.keys(MACROS).join(", ")}`);
  }
  const parts = expanded.split(/\s+/);
  if (parts.length !== 5) {
    throw new CronError(
      `must have 5 fields (minute hour day-of-month month day-of-week), found ${parts.length}`,
    );
  }
  const [minutes, hours, daysOfMonth, months, weekdays] = parts.map((part, index) =>
    parseField(part, FIELDS[index] as FieldSpec),
  ) as [Set<number>, Set<number>, Set<number>, Set<number>, Set<number>];
  if (weekdays.delete(7)) weekdays.add(0);
  const schedule: CronSchedule = {
    source,
    minutes,
    hours,
    daysOfMonth,
    months,
    daysOfWeek: weekdays,
    eitherDay: parts[2] !== "*" && parts[4] !== "*",
  };
  const spacing = minuteSpacing(minutes);
  if (spacing < MIN_SPACING_MINUTES) {
    throw new CronError(
      `fires ${spacing} minute${spacing === 1 ? "" : "s"} apart; at most every ` +
        `${MIN_SPACING_MINUTES} minutes (the minute field's values, counted around the hour, ` +
        `must be ${MIN_SPACING_MINUTES} or more apart: */${MIN_SPACING_MINUTES} is the most frequent)`,
    );
  }
  if (nextFire(schedule, 0) === null) throw new CronError("never fires (no such date)");
  return schedule;
}

function parseField(text: string, spec: FieldSpec): Set<number> {
  const values = new Set<number>();
  for (const item of text.split(",")) {
    const match = /^(\*|[A-Za-z0-9]+(?:-[A-Za-z0-9]+)?)(?:\/(\d+))?$/.exec(item);
    if (!match) throw new CronError(`${spec.name} field: cannot read "${item}"`);
    const [, range = "", stepText] = match;
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) {
      throw new CronError(`${spec.name} field: step must be a whole number of 1 or more`);
    }
    let low = spec.min;
    let high = spec.max;
    if (range !== "*") {
      const [from = "", to] = range.split("-");
      low = value(from, spec);
      // `a/n` runs from a to the field's end; a lone value is itself.
      high = to !== undefined ? value(to, spec) : stepText !== undefined ? spec.max : low;
      if (high < low) throw new CronError(`${spec.name} field: range ${range} runs backwards`);
    }
    for (let current = low; current <= high; current += step) values.add(current);
  }
  return values;
}

function value(text: string, spec: FieldSpec): number {
  const named = spec.names?.indexOf(text.toUpperCase()) ?? -1;
  const number = named >= 0 ? named + spec.min : /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isInteger(number))
    throw new CronError(`${spec.name} field: "${text}" is not a value`);
  if (number < spec.min || number > spec.max) {
    throw new CronError(`${spec.name} field: ${number} is outside ${spec.min}-${spec.max}`);
  }
  return number;
}

/**
 * The smallest gap between the minute field's values, counting around the hour (55 → 0 is 5).
 * Two fires can be no closer than this, whatever the other fields say.
 */
function minuteSpacing(minutes: ReadonlySet<number>): number {
  const sorted = [...minutes].sort((a, b) => a - b);
  if (sorted.length === 1) return 60;
  let smallest = 60;
  for (let index = 0; index < sorted.length; index++) {
    const current = sorted[index] as number;
    const next =
      index + 1 < sorted.length ? (sorted[index + 1] as number) : (sorted[0] as number) + 60;
    smallest = Math.min(smallest, next - current);
  }
  return smallest;
}

function dayMatches(schedule: CronSchedule, date: Date): boolean {
  const byMonthDay = schedule.daysOfMonth.has(date.getUTCDate());
  const byWeekday = schedule.daysOfWeek.has(date.getUTCDay());
  return schedule.eitherDay ? byMonthDay || byWeekday : byMonthDay && byWeekday;
}

/** The first instant strictly after `afterMs` the schedule fires at, or null within 5 years. */
export function nextFire(schedule: CronSchedule, afterMs: number): number | null {
  const date = new Date(Math.floor(afterMs / 60_000) * 60_000 + 60_000);
  const limit = afterMs + HORIZON_MS;
  while (date.getTime() <= limit) {
    if (!schedule.months.has(date.getUTCMonth() + 1)) {
      date.setUTCMonth(date.getUTCMonth() + 1, 1);
      date.setUTCHours(0, 0, 0, 0);
      continue;
    }
    if (!dayMatches(schedule, date)) {
      date.setUTCDate(date.getUTCDate() + 1);
      date.setUTCHours(0, 0, 0, 0);
      continue;
    }
    if (!schedule.hours.has(date.getUTCHours())) {
      date.setUTCHours(date.getUTCHours() + 1, 0, 0, 0);
      continue;
    }
    if (!schedule.minutes.has(date.getUTCMinutes())) {
      date.setUTCMinutes(date.getUTCMinutes() + 1, 0, 0);
      continue;
    }
    return date.getTime();
  }
  return null;
}

/**
 * The last fire at or before `nowMs`, starting from a fire that was due (`dueMs`): after a
 * control plane was down for a while, one run covers the latest missed fire, not each of them.
 */
export function latestDueFire(schedule: CronSchedule, dueMs: number, nowMs: number): number {
  let fire = dueMs;
  // A long outage: start a little before now rather than walking every missed fire.
  const floor = nowMs - 32 * 86_400_000;
  if (fire < floor) {
    const near = nextFire(schedule, floor - 1);
    if (near !== null && near <= nowMs) fire = near;
  }
  for (let next = nextFire(schedule, fire); next !== null && next <= nowMs; ) {
    fire = next;
    next = nextFire(schedule, fire);
  }
  return fire;
}
