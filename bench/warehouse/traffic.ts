// How many rows each day and each (hour, project) block of a day gets: weekly and diurnal curves,
// growth, a Zipf-like spread over projects; counts always sum to what was asked.
import { DAY_MS } from "./world.ts";

/** Rows per day: weekends at 60 %, slight growth over the window; sums to `rows` exactly. */
export function rowsPerDay(rows: number, days: number, startMs: number): number[] {
  const weights = Array.from({ length: days }, (_, day) => {
    const weekday = new Date(startMs + day * DAY_MS).getUTCDay();
    return (weekday === 0 || weekday === 6 ? 0.6 : 1) * (1 + day / 100);
  });
  const total = weights.reduce((sum, weight) => sum + weight, 0);
  const counts = weights.map((weight) => Math.floor((rows * weight) / total));
  let left = rows - counts.reduce((sum, count) => sum + count, 0);
  for (let day = 0; left > 0; left--, day++) counts[day % days] = (counts[day % days] ?? 0) + 1;
  return counts;
}

/**
 * A day's rows as blocks, one per partition in (hour, project) order, each with its row count:
 * hours follow a diurnal curve (peak mid-afternoon UTC), projects a Zipf-like law (s = 1.1)
 * with some day-to-day noise. Rounded by largest remainder, so the counts sum to `rows`.
 */
export function dayBlocks(rows: number, projects: number, random: () => number) {
  const hourWeights = Array.from(
    { length: 24 },
    (_, hour) => 1 + 0.55 * Math.cos((2 * Math.PI * (hour + 0.5 - 15)) / 24),
  );
  const projectWeights = Array.from(
    { length: projects },
    (_, k) => (0.85 + 0.3 * random()) / (k + 1) ** 1.1,
  );
  const total =
    hourWeights.reduce((sum, weight) => sum + weight, 0) *
    projectWeights.reduce((sum, weight) => sum + weight, 0);
  const blocks = hourWeights.flatMap((hourWeight, hour) =>
    projectWeights.map((projectWeight, project) => {
      const exact = (rows * hourWeight * projectWeight) / total;
      return { project, hour, rows: Math.floor(exact), remainder: exact % 1 };
    }),
  );
  let left = rows - blocks.reduce((sum, block) => sum + block.rows, 0);
  const byRemainder = blocks.map((_, index) => index);
  byRemainder.sort((a, b) => (blocks[b]?.remainder ?? 0) - (blocks[a]?.remainder ?? 0) || a - b);
  for (const index of byRemainder) {
    if (left-- <= 0) break;
    (blocks[index] as { rows: number }).rows++;
  }
  return blocks;
}
